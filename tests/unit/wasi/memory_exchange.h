// A test-only http::Exchange held in memory: the request body comes in the given pieces, the
// response is recorded. For unit tests of the wasi:http resource layer without a server (the
// end-to-end tests use the real server).
#pragma once

#include <string>
#include <vector>

#include "http/exchange.h"

namespace wirt::wasi::testing {

class MemoryExchange final : public http::Exchange {
 public:
  http::RequestHead head;
  std::vector<std::string> body;  // request body pieces
  http::Fields trailers_in;
  size_t body_limit = SIZE_MAX;

  int status = 200;
  http::Fields headers;
  std::string out;
  size_t writes = 0;
  http::Fields trailers_out;
  bool sent = false, done = false;

  const http::RequestHead& request() const override { return head; }
  core::Result<std::string> read_body(size_t max) override {
    if (next_ >= body.size()) return std::string();
    std::string& piece = body[next_];
    std::string chunk = piece.substr(0, max);
    piece.erase(0, chunk.size());
    if (piece.empty()) next_++;
    read_ += chunk.size();
    if (read_ > body_limit) return core::invalid("request body over the limit");
    return chunk;
  }
  const http::Fields& request_trailers() const override { return trailers_in; }
  core::Status set_status(int s) override {
    if (sent) return core::invalid("head sent");
    status = s;
    return {};
  }
  core::Status add_header(std::string name, std::string value) override {
    if (sent) return core::invalid("head sent");
    headers.emplace_back(std::move(name), std::move(value));
    return {};
  }
  core::Status set_header(std::string name, std::string value) override {
    if (sent) return core::invalid("head sent");
    std::erase_if(headers, [&](const auto& f) { return http::find_field({f}, name) != nullptr; });
    headers.emplace_back(std::move(name), std::move(value));
    return {};
  }
  bool head_sent() const override { return sent; }
  core::Status write(std::string_view bytes) override {
    if (done) return core::invalid("finished");
    sent = true;
    out.append(bytes);
    writes++;
    return {};
  }
  core::Status finish(const http::Fields& t) override {
    if (done) return core::invalid("finished twice");
    sent = done = true;
    trailers_out = t;
    return {};
  }
  bool finished() const override { return done; }

  std::string header(std::string_view name) const {
    const std::string* v = http::find_field(headers, name);
    return v ? *v : std::string();
  }

 private:
  size_t next_ = 0;
  size_t read_ = 0;
};

}  // namespace wirt::wasi::testing
