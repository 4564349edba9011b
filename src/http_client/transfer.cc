// Transfer: see transfer.h.
#include "http_client/transfer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <strings.h>

#include <algorithm>
#include <cstring>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace wirt::http_client {

namespace {

// How much response body is held before curl is paused (the streaming window).
constexpr size_t kWindow = 256 << 10;

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return std::string(s);
}

bool is_redirect(int code) { return code == 301 || code == 302 || code == 303 || code == 307 || code == 308; }

long to_ms(core::Nanos d) { return static_cast<long>(std::max<int64_t>(1, d.count() / 1000000)); }

Failure classify(CURLcode c) {
  switch (c) {
    case CURLE_OK: return Failure::None;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return Failure::DnsError;
    case CURLE_COULDNT_CONNECT: return Failure::ConnectionRefused;
    case CURLE_OPERATION_TIMEDOUT: return Failure::Timeout;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: return Failure::TlsCertificate;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED: return Failure::TlsProtocol;
    case CURLE_TOO_MANY_REDIRECTS: return Failure::TooManyRedirects;
    case CURLE_FILESIZE_EXCEEDED: return Failure::ResponseTooLarge;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return Failure::InvalidUrl;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE: return Failure::Protocol;
    case CURLE_ABORTED_BY_CALLBACK: return Failure::Aborted;
    default: return Failure::Other;
  }
}

std::string address_text(const struct sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

}  // namespace

core::Error failure_to_error(Failure f, std::string message) {
  switch (f) {
    case Failure::Denied: return core::permission_denied(std::move(message)).with_retryable(false);
    case Failure::Timeout:
    case Failure::ConnectionTimeout: return core::timeout(std::move(message)).with_retryable(true);
    case Failure::InvalidUrl:
    case Failure::ResponseTooLarge:
    case Failure::TooManyRedirects: return core::invalid(std::move(message)).with_retryable(false);
    case Failure::TlsCertificate:
    case Failure::TlsProtocol: return core::unavailable(std::move(message)).with_retryable(false);
    case Failure::Aborted: return core::canceled(std::move(message));
    default: return core::unavailable(std::move(message)).with_retryable(true);
  }
}

// ---- BodyPipe ----

core::Status BodyPipe::write(std::string_view data, const sched::Deadline& deadline) {
  if (finished_) return core::invalid("request body already finished");
  while (!data.empty()) {
    if (aborted_) return core::unavailable("request ended before its body was sent");
    size_t room = pending() < capacity_ ? capacity_ - pending() : 0;
    if (room == 0) {
      bool woken = sched::this_fiber::suspend_until([&](sched::Waker w) { writer_ = w; }, deadline);
      writer_.reset();
      if (!woken) return core::timeout("request body write timed out");
      continue;
    }
    if (pos_ > 0 && pos_ == data_.size()) data_.clear(), pos_ = 0;
    size_t n = std::min(room, data.size());
    data_.append(data.substr(0, n));
    data.remove_prefix(n);
    if (consumer_paused_ && resume_consumer_) {
      consumer_paused_ = false;
      resume_consumer_();
    }
  }
  return {};
}

void BodyPipe::finish() {
  finished_ = true;
  if (consumer_paused_ && resume_consumer_) {
    consumer_paused_ = false;
    resume_consumer_();
  }
}

size_t BodyPipe::pull(char* out, size_t max) {
  size_t avail = pending();
  if (avail == 0) {
    if (finished_) return 0;
    consumer_paused_ = true;
    return CURL_READFUNC_PAUSE;
  }
  size_t n = std::min(avail, max);
  std::memcpy(out, data_.data() + pos_, n);
  pos_ += n;
  if (pos_ == data_.size()) data_.clear(), pos_ = 0;
  wake_writer();
  return n;
}

void BodyPipe::wake_writer() {
  if (writer_) {
    auto w = *writer_;
    writer_.reset();
    w.wake();
  }
}

// ---- Transfer ----

Transfer::Transfer(Request request) : req_(std::move(request)) {}

Transfer::~Transfer() {
  if (registered_ && !done_ && loop_ && !loop_alive_.expired()) loop_->remove(easy_);
  if (req_.body_pipe) {
    req_.body_pipe->resume_consumer_ = nullptr;
    req_.body_pipe->aborted_ = true;
    req_.body_pipe->wake_writer();
  }
  if (easy_) curl_easy_cleanup(easy_);
  if (header_list_) curl_slist_free_all(header_list_);
  if (mime_) curl_mime_free(mime_);
}

void Transfer::release(std::shared_ptr<Transfer> t) {
  if (!t) return;
  if (t->owned_by_current_worker() || !t->loop_ || t->loop_alive_.expired()) return;  // dropped here
  boost::asio::post(t->loop_->io(), [t = std::move(t)]() mutable { t.reset(); });
}

bool Transfer::owned_by_current_worker() const {
  return loop_ && !loop_alive_.expired() && sched::Scheduler::current_io() == &loop_->io();
}

core::Result<std::shared_ptr<Transfer>> Transfer::start(Request request) {
  if (!sched::this_fiber::active()) return core::internal("http_client: not on a fiber");
  std::shared_ptr<Transfer> t(new Transfer(std::move(request)));
  if (auto st = t->configure(); !st) return st.error();
  t->loop_ = &CurlLoop::current();
  t->loop_alive_ = t->loop_->alive();
  if (CURLMcode mc = t->loop_->add(t->easy_); mc != CURLM_OK) {
    return core::internal(fmt::format("http_client: {}", curl_multi_strerror(mc)));
  }
  t->registered_ = true;
  return t;
}

core::Status Transfer::configure() {
  easy_ = curl_easy_init();
  if (!easy_) return core::internal("http_client: curl_easy_init failed");
  const Options& o = req_.options;
  auto set = [&](CURLoption opt, auto value) { curl_easy_setopt(easy_, opt, value); };
  set(CURLOPT_PRIVATE, static_cast<CurlLoop::Client*>(this));
  set(CURLOPT_ERRORBUFFER, errbuf_);
  set(CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_setopt(easy_, CURLOPT_URL, req_.url.c_str()) != CURLE_OK) {
    return core::invalid(fmt::format("invalid URL: {}", req_.url));
  }
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));  // h2 over TLS when offered
  set(CURLOPT_FOLLOWLOCATION, o.max_redirects > 0 ? 1L : 0L);
  set(CURLOPT_MAXREDIRS, o.max_redirects);
  if (o.timeout) set(CURLOPT_TIMEOUT_MS, to_ms(*o.timeout));
  if (o.connect_timeout) set(CURLOPT_CONNECTTIMEOUT_MS, to_ms(*o.connect_timeout));
  if (o.max_response_bytes) set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_response_bytes));
  set(CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L);
  if (!o.ca_file.empty()) set(CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(o.ca_pem.data()), o.ca_pem.size(), CURL_BLOB_COPY};
    set(CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!o.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(o.client_cert_pem.data()), o.client_cert_pem.size(), CURL_BLOB_COPY};
    set(CURLOPT_SSLCERT_BLOB, &cert);
    set(CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!o.client_key_pem.empty()) {
    curl_blob key{const_cast<char*>(o.client_key_pem.data()), o.client_key_pem.size(), CURL_BLOB_COPY};
    set(CURLOPT_SSLKEY_BLOB, &key);
    set(CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (!o.proxy.empty()) set(CURLOPT_PROXY, o.proxy.c_str());
  if (!o.unix_socket.empty()) set(CURLOPT_UNIX_SOCKET_PATH, o.unix_socket.c_str());
  if (!o.username.empty()) {
    set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    set(CURLOPT_USERNAME, o.username.c_str());
    set(CURLOPT_PASSWORD, o.password.c_str());
  }

  set(CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  set(CURLOPT_HEADERDATA, this);
  set(CURLOPT_WRITEFUNCTION, &Transfer::on_write);
  set(CURLOPT_WRITEDATA, this);
  set(CURLOPT_OPENSOCKETFUNCTION, &Transfer::on_open_socket);
  set(CURLOPT_OPENSOCKETDATA, this);
  set(CURLOPT_PREREQFUNCTION, &Transfer::on_prereq);
  set(CURLOPT_PREREQDATA, this);

  // Method and body. HEAD has no body to read; other methods are sent as given.
  const std::string& m = req_.method;
  if (m == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (!req_.multipart.empty()) {
    mime_ = curl_mime_init(easy_);
    for (const MimePart& p : req_.multipart) {
      curl_mimepart* part = curl_mime_addpart(mime_);
      curl_mime_name(part, p.name.c_str());
      curl_mime_data(part, p.data.data(), p.data.size());
      if (!p.filename.empty()) curl_mime_filename(part, p.filename.c_str());
      if (!p.content_type.empty()) curl_mime_type(part, p.content_type.c_str());
    }
    set(CURLOPT_MIMEPOST, mime_);
  } else if (req_.body_pipe) {
    set(CURLOPT_UPLOAD, 1L);
    set(CURLOPT_READFUNCTION, &Transfer::on_read);
    set(CURLOPT_READDATA, this);
    if (req_.body_length) set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(*req_.body_length));
    CURL* easy = easy_;
    req_.body_pipe->resume_consumer_ = [easy] { curl_easy_pause(easy, CURLPAUSE_CONT); };
    if (req_.trailers) {
      set(CURLOPT_TRAILERFUNCTION, &Transfer::on_trailers);
      set(CURLOPT_TRAILERDATA, this);
    }
  } else if (req_.body || m == "POST" || m == "PUT" || m == "PATCH") {
    const std::string& b = req_.body ? *req_.body : (req_.body.emplace(), *req_.body);
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(b.size()));
    set(CURLOPT_POSTFIELDS, b.data());
  }
  if (m != "GET" && m != "HEAD" && !(m == "POST" && !req_.body_pipe)) set(CURLOPT_CUSTOMREQUEST, m.c_str());
  if (m == "GET" && (req_.body || req_.body_pipe)) set(CURLOPT_CUSTOMREQUEST, "GET");

  bool has_expect = false;
  for (const auto& [name, value] : req_.headers) {
    if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
      return core::invalid(fmt::format("invalid header '{}'", name));
    }
    if (strcasecmp(name.c_str(), "expect") == 0) has_expect = true;
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    header_list_ = curl_slist_append(header_list_, line.c_str());
  }
  // curl would wait up to a second for "100 Continue" before sending a large body.
  if (!has_expect) header_list_ = curl_slist_append(header_list_, "Expect:");
  set(CURLOPT_HTTPHEADER, header_list_);
  return {};
}

std::string Transfer::effective_url() const {
  char* u = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &u);
  return u ? u : req_.url;
}

void Transfer::wake() {
  if (waiter_) {
    auto w = *waiter_;
    waiter_.reset();
    w.wake();
  }
}

bool Transfer::wait(const sched::Deadline& deadline) {
  bool woken = sched::this_fiber::suspend_until([&](sched::Waker w) { waiter_ = w; }, deadline);
  waiter_.reset();
  if (!woken) {
    cancel();
    failure_ = Failure::Timeout;
  }
  return woken;
}

sched::Deadline Transfer::soonest(const sched::Deadline& call, const std::optional<core::Nanos>& d) const {
  if (!d) return call;
  auto t = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(*d);
  return call && *call < t ? call : sched::Deadline(t);
}

void Transfer::cancel() {
  if (registered_ && !done_ && loop_ && !loop_alive_.expired()) {
    loop_->remove(easy_);
    done_ = true;
    result_ = CURLE_ABORTED_BY_CALLBACK;
    if (failure_ == Failure::None) failure_ = Failure::Aborted;
    if (req_.body_pipe) {
      req_.body_pipe->aborted_ = true;
      req_.body_pipe->wake_writer();
    }
  }
}

core::Error Transfer::failure_error() const {
  if (denial_) return *denial_;
  std::string what = errbuf_[0] ? std::string(errbuf_) : curl_easy_strerror(result_);
  if (failure_ == Failure::ResponseTooLarge) {
    what = fmt::format("response body exceeds the limit of {} bytes", req_.options.max_response_bytes);
  } else if (failure_ == Failure::Timeout && result_ != CURLE_OPERATION_TIMEDOUT) {
    what = "timed out";
  }
  return failure_to_error(failure_, fmt::format("{} {}: {}", req_.method, req_.url, what));
}

core::Status Transfer::wait_response(const sched::Deadline& deadline) {
  sched::Deadline until = soonest(deadline, req_.options.first_byte_timeout);
  while (!head_ready_ && !done_) {
    if (!wait(until)) return failure_error();
  }
  if (!head_ready_) return failure_error();
  return {};
}

core::Result<std::string> Transfer::read(size_t max, const sched::Deadline& deadline) {
  if (max == 0) max = kWindow;
  for (;;) {
    if (body_pos_ < body_.size()) {
      size_t n = std::min(max, body_.size() - body_pos_);
      std::string out = body_.substr(body_pos_, n);
      body_pos_ += n;
      if (body_pos_ == body_.size()) body_.clear(), body_pos_ = 0;
      if (paused_ && body_.size() - body_pos_ < kWindow && !done_) {
        paused_ = false;
        curl_easy_pause(easy_, CURLPAUSE_CONT);  // may deliver more at once (on_write)
      }
      return out;
    }
    if (done_) {
      if (failure_ != Failure::None) return failure_error();
      return std::string();
    }
    if (!wait(soonest(deadline, req_.options.between_bytes_timeout))) return failure_error();
  }
}

core::Status Transfer::wait_body(const sched::Deadline& deadline) {
  while (!body_ready()) {
    if (!wait(soonest(deadline, req_.options.between_bytes_timeout))) return failure_error();
  }
  return {};
}

core::Result<std::string> Transfer::read_all(const sched::Deadline& deadline) {
  std::string all;
  for (;;) {
    auto piece = read(1 << 20, deadline);
    if (!piece) return std::move(piece).error();
    if (piece->empty()) return all;
    if (all.empty()) all = std::move(*piece);
    else all += *piece;
  }
}

void Transfer::on_done(CURLcode result) {
  done_ = true;
  result_ = result;
  if (failure_ == Failure::None) failure_ = classify(result);
  if (denial_) failure_ = Failure::Denied;
  if (result == CURLE_OK) head_ready_ = true;
  wake();
}

size_t Transfer::on_header(char* data, size_t size, size_t n, void* self_p) {
  auto* self = static_cast<Transfer*>(self_p);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    self->headers_.clear();
    self->in_final_head_ = true;
    size_t sp = line.find(' ');
    self->version_ = std::string(line.substr(5, sp == std::string_view::npos ? 0 : sp - 5));
    return size * n;
  }
  if (line == "\r\n" || line == "\n") {
    if (self->head_ready_) return size * n;  // end of the trailers
    long code = 0;
    curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &code);
    bool has_location = std::any_of(self->headers_.begin(), self->headers_.end(),
                                    [](const auto& h) { return strcasecmp(h.first.c_str(), "location") == 0; });
    bool followed = self->req_.options.max_redirects > 0 && is_redirect(static_cast<int>(code)) && has_location;
    if (code >= 200 && !followed) {
      self->status_ = static_cast<int>(code);
      self->head_ready_ = true;
      self->wake();
    }
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  auto& into = self->head_ready_ ? self->trailers_ : self->headers_;
  into.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  return size * n;
}

size_t Transfer::on_write(char* data, size_t size, size_t n, void* self_p) {
  auto* self = static_cast<Transfer*>(self_p);
  size_t len = size * n;
  if (self->body_.size() - self->body_pos_ >= kWindow) {
    self->paused_ = true;
    self->wake();
    return CURL_WRITEFUNC_PAUSE;  // curl keeps this piece and offers it again on resume
  }
  uint64_t limit = self->req_.options.max_response_bytes;
  if (limit && self->received_ + len > limit) {
    self->failure_ = Failure::ResponseTooLarge;
    return 0;  // ends the transfer with CURLE_WRITE_ERROR
  }
  self->received_ += len;
  if (!self->head_ready_) {
    long code = 0;
    curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &code);
    self->status_ = static_cast<int>(code);
    self->head_ready_ = true;
  }
  self->body_.append(data, len);
  self->wake();
  return len;
}

size_t Transfer::on_read(char* out, size_t size, size_t n, void* self_p) {
  auto* self = static_cast<Transfer*>(self_p);
  return self->req_.body_pipe ? self->req_.body_pipe->pull(out, size * n) : 0;
}

int Transfer::on_trailers(curl_slist** list, void* self_p) {
  auto* self = static_cast<Transfer*>(self_p);
  for (const auto& [name, value] : self->req_.trailers()) {
    if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) continue;
    *list = curl_slist_append(*list, (name + ": " + value).c_str());
  }
  return CURL_TRAILERFUNC_OK;
}

curl_socket_t Transfer::on_open_socket(void* self_p, curlsocktype purpose, struct curl_sockaddr* addr) {
  auto* self = static_cast<Transfer*>(self_p);
  if (purpose == CURLSOCKTYPE_IPCXN && self->req_.check_address &&
      (addr->family == AF_INET || addr->family == AF_INET6)) {
    std::string ip = address_text(&addr->addr);
    if (auto st = self->req_.check_address(ip); !st) {
      self->denial_ = st.error();
      return CURL_SOCKET_BAD;  // no connection is made
    }
  }
  return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

int Transfer::on_prereq(void* self_p, char* primary_ip, char*, int, int) {
  auto* self = static_cast<Transfer*>(self_p);
  if (self->req_.check_address && primary_ip && *primary_ip && self->req_.options.unix_socket.empty()) {
    if (auto st = self->req_.check_address(primary_ip); !st) {
      self->denial_ = st.error();
      return CURL_PREREQFUNC_ABORT;
    }
  }
  if (self->req_.check_url) {
    std::string url = self->effective_url();
    if (url != self->req_.url) {  // a redirect hop: the first URL was checked by the caller
      if (auto st = self->req_.check_url(url); !st) {
        self->denial_ = st.error();
        return CURL_PREREQFUNC_ABORT;
      }
    }
  }
  return CURL_PREREQFUNC_OK;
}

}  // namespace wirt::http_client
