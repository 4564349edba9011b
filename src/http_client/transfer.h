// wirt::http_client::Transfer — one outgoing HTTP request made with libcurl on the current
// worker's CurlLoop. Everything that waits (the response head, each piece of the body, room for
// more request body) suspends the calling fiber until curl reports progress or the deadline
// passes (then the transfer is stopped and the wait ends with Timeout).
//
// The response body is delivered incrementally: curl's write callback fills a bounded window
// and pauses the transfer when it is full; read() empties it and resumes curl. So a streamed
// body of any size costs one window of memory. Request bodies are either whole (a string) or
// streamed through a BodyPipe a writer fills while the request runs (wasi:http outgoing-body).
//
// Permission hooks run in the worker loop before any byte of a request is sent: check_address
// from CURLOPT_OPENSOCKETFUNCTION (no connection is made to a refused address) and again from
// CURLOPT_PREREQFUNCTION with the address actually connected (a reused connection, a name that
// resolved differently than on the last check — DNS rebinding), check_url for every redirect.
//
// Ownership: shared_ptr; curl's easy handle belongs to the transfer. A transfer must be used
// and destroyed on the worker that started it: release() moves the last reference there.
// Thread-safety: none beyond release().
#pragma once

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "http_client/curl_loop.h"
#include "sched/scheduler.h"

namespace wirt::http_client {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The reference's default response body limit (service/http/client: 120 MiB).
inline constexpr uint64_t kDefaultMaxResponseBytes = 120ull << 20;
inline constexpr long kDefaultMaxRedirects = 10;  // as Go's http.Client, the reference's client

struct Options {
  std::optional<core::Nanos> timeout;               // whole exchange (CURLOPT_TIMEOUT_MS)
  std::optional<core::Nanos> connect_timeout;       // TCP + TLS connect
  std::optional<core::Nanos> first_byte_timeout;    // until the response head arrived
  std::optional<core::Nanos> between_bytes_timeout; // between two pieces of response body
  long max_redirects = kDefaultMaxRedirects;        // 0: redirects are returned, not followed
  uint64_t max_response_bytes = kDefaultMaxResponseBytes;  // 0: unlimited
  bool verify_tls = true;
  std::string ca_file;      // PEM bundle trusted instead of the system's (CURLOPT_CAINFO)
  std::string ca_pem;       // PEM text trusted instead of the system's (CURLOPT_CAINFO_BLOB)
  std::string client_cert_pem, client_key_pem;
  std::string proxy;        // "" = curl's default (the http_proxy/https_proxy/no_proxy variables)
  std::string unix_socket;  // connect to this Unix socket instead of the URL's host
  std::string username, password;  // HTTP Basic authentication when username is set
};

struct MimePart {
  std::string name, filename, content_type, data;  // filename "" = a plain form field
};

// A request body written while the request runs. The writer appends with write(), which waits
// for room when `capacity` bytes are pending; finish() ends it. Used on the owning worker only.
class BodyPipe {
 public:
  explicit BodyPipe(size_t capacity = 256 << 10) : capacity_(capacity) {}
  core::Status write(std::string_view data, const sched::Deadline& deadline);
  void finish();
  // Called from curl's read callback: bytes copied, 0 at the end, CURL_READFUNC_PAUSE when empty.
  size_t pull(char* out, size_t max);
  bool finished() const { return finished_; }
  size_t pending() const { return data_.size() - pos_; }

 private:
  friend class Transfer;
  void wake_writer();
  size_t capacity_;
  std::string data_;
  size_t pos_ = 0;
  bool finished_ = false;
  bool consumer_paused_ = false;
  std::function<void()> resume_consumer_;  // unpauses the transfer (set by Transfer)
  std::optional<sched::Waker> writer_;
  bool aborted_ = false;
};

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::optional<std::string> body;      // a whole body
  std::vector<MimePart> multipart;      // a multipart/form-data body (instead of body)
  std::shared_ptr<BodyPipe> body_pipe;  // a streamed body (instead of body)
  std::optional<uint64_t> body_length;  // Content-Length for body_pipe; none = chunked
  // Trailers sent after a chunked body_pipe body, asked for when it finished.
  std::function<Headers()> trailers;
  Options options;
  // Permission hooks; an error refuses the request (its text becomes the error message).
  std::function<core::Status(std::string_view ip)> check_address;
  std::function<core::Status(std::string_view url)> check_url;
};

// What went wrong, for callers that map failures onto their own codes (wasi:http error-code).
enum class Failure {
  None, Denied, DnsError, ConnectionRefused, ConnectionTimeout, Timeout, TlsCertificate, TlsProtocol,
  TooManyRedirects, ResponseTooLarge, InvalidUrl, Protocol, Aborted, Other,
};

class Transfer final : public CurlLoop::Client, public std::enable_shared_from_this<Transfer> {
 public:
  // Starts the request on the current worker's loop. Must run on a scheduler fiber.
  static core::Result<std::shared_ptr<Transfer>> start(Request request);
  // Drops `t` on the worker that owns it (posting there when called from another thread).
  static void release(std::shared_ptr<Transfer> t);
  ~Transfer() override;

  // Waits for the head of the final response (after redirects).
  core::Status wait_response(const sched::Deadline& deadline);
  int status() const { return status_; }
  const Headers& headers() const { return headers_; }
  std::string effective_url() const;
  const std::string& http_version() const { return version_; }

  // The next piece of the body, at most `max` bytes; "" once it ended.
  core::Result<std::string> read(size_t max, const sched::Deadline& deadline);
  // The rest of the body.
  core::Result<std::string> read_all(const sched::Deadline& deadline);
  // Whether wait_response / read would return without suspending.
  bool response_ready() const { return head_ready_ || done_; }
  bool body_ready() const { return body_pos_ < body_.size() || done_; }
  // Suspends until body_ready() (Timeout at the deadline).
  core::Status wait_body(const sched::Deadline& deadline);
  // Trailers (HTTP/1.1 chunked / HTTP/2), complete once read() returned "".
  const Headers& trailers() const { return trailers_; }
  // Stops the transfer (idempotent).
  void cancel();
  bool finished() const { return done_; }
  Failure failure() const { return failure_; }
  bool owned_by_current_worker() const;

 private:
  explicit Transfer(Request request);
  core::Status configure();
  void on_done(CURLcode result) override;
  void wake();
  // Suspends until woken or `deadline`; false on timeout (the transfer is then cancelled).
  bool wait(const sched::Deadline& deadline);
  core::Error failure_error() const;
  sched::Deadline soonest(const sched::Deadline& call, const std::optional<core::Nanos>& d) const;

  static size_t on_header(char* data, size_t size, size_t n, void* self);
  static size_t on_write(char* data, size_t size, size_t n, void* self);
  static size_t on_read(char* out, size_t size, size_t n, void* self);
  static int on_trailers(curl_slist** list, void* self);
  static curl_socket_t on_open_socket(void* self, curlsocktype purpose, struct curl_sockaddr* addr);
  static int on_prereq(void* self, char* primary_ip, char* local_ip, int primary_port, int local_port);

  Request req_;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  curl_mime* mime_ = nullptr;
  CurlLoop* loop_ = nullptr;
  std::weak_ptr<void> loop_alive_;
  char errbuf_[CURL_ERROR_SIZE] = {0};

  bool registered_ = false, done_ = false, head_ready_ = false, paused_ = false;
  bool in_final_head_ = false;
  CURLcode result_ = CURLE_OK;
  Failure failure_ = Failure::None;
  std::optional<core::Error> denial_;
  int status_ = 0;
  std::string version_;
  Headers headers_, trailers_;
  std::string body_;  // received, not yet read
  size_t body_pos_ = 0;
  uint64_t received_ = 0;
  std::optional<sched::Waker> waiter_;
};

// "GET http://host/path: <reason>" style text and kind for a failure (shared with wasi:http).
core::Error failure_to_error(Failure f, std::string message);

}  // namespace wirt::http_client
