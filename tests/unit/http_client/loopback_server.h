// A small HTTP/1.1 server on 127.0.0.1 for the client's tests: a thread per connection,
// `Connection: close` responses. Routes:
//   /hello              200 "hello" with X-Test: yes and two Set-Cookie headers
//   /echo               the request body back, X-Method: <method>, X-Got-<header> for X-* headers
//   /redirect/N         302 to /redirect/N-1 (… /hello)
//   /bytes/N            N bytes ('a' + i % 26), chunked, in 64 KiB writes
//   /silent             accepts, reads the request, never answers (until stop())
// Ownership: owns its threads; stop() (or the destructor) closes everything and joins them.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wirt::test {

class LoopbackServer {
 public:
  LoopbackServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 512);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~LoopbackServer() { stop(); }

  int port() const { return port_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int connections() const { return connections_.load(); }
  std::string last_request_head() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_head_;
  }

  void stop() {
    if (stopping_.exchange(true)) return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int c : open_) ::shutdown(c, SHUT_RDWR);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

 private:
  void accept_loop() {
    for (;;) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        if (stopping_) return;
        continue;
      }
      ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      open_.push_back(c);
      threads_.emplace_back([this, c] { serve(c); });
    }
  }

  static bool send_all(int c, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(c, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  void serve(int c) {
    std::string in;
    char buf[65536];
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return finish(c);
      in.append(buf, static_cast<size_t>(n));
    }
    std::string head = in.substr(0, head_end);
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_head_ = head;
    }
    std::string body = in.substr(head_end + 4);
    std::string method = head.substr(0, head.find(' '));
    std::string path = head.substr(method.size() + 1, head.find(' ', method.size() + 1) - method.size() - 1);
    std::string lower = head;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    size_t cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      size_t want = std::stoull(head.substr(cl + 17));
      while (body.size() < want) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) return finish(c);
        body.append(buf, static_cast<size_t>(n));
      }
    } else if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      body = read_chunked(c, body);
    }
    if (path == "/silent") {
      while (::recv(c, buf, sizeof buf, 0) > 0) {
      }
      return finish(c);
    }
    if (path == "/hello") {
      send_all(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: yes\r\nSet-Cookie: a=1; Path=/\r\n"
                  "Set-Cookie: b=\"two\"\r\nConnection: close\r\n\r\nhello");
    } else if (path == "/echo") {
      std::string extra = "X-Method: " + method + "\r\n";
      size_t pos = 0;
      while ((pos = head.find("\r\n", pos)) != std::string::npos) {
        pos += 2;
        size_t end = head.find("\r\n", pos);
        std::string line = head.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (line.size() > 2 && (line[0] == 'X' || line[0] == 'x') && line[1] == '-') extra += "X-Got-" + line.substr(2) + "\r\n";
      }
      send_all(c, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
                      "Connection: close\r\n\r\n" + body);
    } else if (path.rfind("/redirect/", 0) == 0) {
      int n = std::stoi(path.substr(10));
      std::string to = n <= 1 ? "/hello" : "/redirect/" + std::to_string(n - 1);
      send_all(c, "HTTP/1.1 302 Found\r\nLocation: " + to + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    } else if (path.rfind("/bytes/", 0) == 0) {
      size_t n = std::stoull(path.substr(7));
      send_all(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
      std::string piece;
      for (size_t off = 0; off < n;) {
        size_t k = std::min<size_t>(65536, n - off);
        piece.resize(k);
        for (size_t i = 0; i < k; ++i) piece[i] = static_cast<char>('a' + (off + i) % 26);
        char len[32];
        snprintf(len, sizeof len, "%zx\r\n", k);
        if (!send_all(c, len + piece + "\r\n")) return finish(c);
        off += k;
      }
      send_all(c, "0\r\n\r\n");
    } else {
      send_all(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    finish(c);
  }

  std::string read_chunked(int c, std::string have) {
    std::string out;
    char buf[65536];
    auto need = [&](size_t n) {
      while (have.size() < n) {
        ssize_t k = ::recv(c, buf, sizeof buf, 0);
        if (k <= 0) return false;
        have.append(buf, static_cast<size_t>(k));
      }
      return true;
    };
    for (;;) {
      size_t eol;
      while ((eol = have.find("\r\n")) == std::string::npos) {
        if (!need(have.size() + 1)) return out;
      }
      size_t len = std::stoull(have.substr(0, eol), nullptr, 16);
      have.erase(0, eol + 2);
      if (len == 0) return out;
      if (!need(len + 2)) return out;
      out += have.substr(0, len);
      have.erase(0, len + 2);
    }
  }

  void finish(int c) {
    ::shutdown(c, SHUT_WR);
    char buf[256];
    struct timeval tv{0, 200000};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (::recv(c, buf, sizeof buf, 0) > 0) {
    }
    std::lock_guard<std::mutex> lock(mu_);
    ::close(c);
    std::erase(open_, c);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::vector<int> open_;
  std::string last_head_;
};

}  // namespace wirt::test
