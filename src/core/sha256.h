// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto: module identity, cache keys, entry hashes.
// Sha256 is a streaming hasher used by one thread; the free functions are thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace wirt::core {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Lower-case hex of the digest; the hasher is finished afterwards.
  std::string finish_hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::string_view data);
inline std::string sha256_hex(std::span<const uint8_t> data) {
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

}  // namespace wirt::core
