#include "cluster/codec.h"

#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <msgpack.hpp>

#include "core/nesting.h"

namespace wirt::cluster {

namespace {

struct Packer {
  msgpack::sbuffer& buf_;
  msgpack::packer<msgpack::sbuffer> pk_{buf_};
};

core::Status pack(Packer& packer, const core::Value& v, int depth) {
  auto& pk = packer.pk_;
  auto& buf_ = packer.buf_;
  if (depth > core::kMaxNesting) return core::nesting_error("cluster message");
  switch (v.type()) {
    case core::Value::Type::Nil: pk.pack_nil(); break;
    case core::Value::Type::Bool: v.as_bool() ? pk.pack_true() : pk.pack_false(); break;
    case core::Value::Type::Int: pk.pack_int64(v.as_int()); break;
    // Always float 64, written by hand: msgpack-cxx's pack_double writes integral doubles (1.0,
    // -0.0) as integers, and the receiver must see a Float, not an Int.
    case core::Value::Type::Float: {
      uint64_t bits;
      double d = v.as_float();
      std::memcpy(&bits, &d, sizeof bits);
      char buf[9];
      buf[0] = static_cast<char>(0xcb);
      for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
      buf_.write(buf, sizeof buf);
      break;
    }
    case core::Value::Type::String: {
      const std::string& s = v.as_string();
      pk.pack_str(static_cast<uint32_t>(s.size()));
      pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
      break;
    }
    case core::Value::Type::Bytes: {
      const std::string& b = v.as_bytes().data;
      pk.pack_bin(static_cast<uint32_t>(b.size()));
      pk.pack_bin_body(b.data(), static_cast<uint32_t>(b.size()));
      break;
    }
    case core::Value::Type::Array:
      pk.pack_array(static_cast<uint32_t>(v.as_array().size()));
      for (const auto& e : v.as_array()) WIRT_TRY(pack(packer, e, depth + 1));
      break;
    case core::Value::Type::Map:
      pk.pack_map(static_cast<uint32_t>(v.as_map().size()));
      for (const auto& [k, e] : v.as_map()) {
        pk.pack_str(static_cast<uint32_t>(k.size()));
        pk.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
        WIRT_TRY(pack(packer, e, depth + 1));
      }
      break;
  }
  return {};
}

core::Result<core::Value> to_value(const msgpack::object& o, int depth, std::string_view what) {
  if (depth > core::kMaxNesting) return core::nesting_error(what);
  switch (o.type) {
    case msgpack::type::NIL: return core::Value();
    case msgpack::type::BOOLEAN: return core::Value(o.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
      if (o.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return core::invalid(fmt::format("{}: integer {} does not fit in 64 signed bits", what, o.via.u64));
      }
      return core::Value(static_cast<int64_t>(o.via.u64));
    case msgpack::type::NEGATIVE_INTEGER: return core::Value(o.via.i64);
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return core::Value(o.via.f64);
    case msgpack::type::STR: return core::Value(std::string(o.via.str.ptr, o.via.str.size));
    case msgpack::type::BIN: return core::Value(core::Bytes{std::string(o.via.bin.ptr, o.via.bin.size)});
    case msgpack::type::ARRAY: {
      core::Array a;
      a.reserve(o.via.array.size);
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        auto e = to_value(o.via.array.ptr[i], depth + 1, what);
        if (!e) return std::move(e).error();
        a.push_back(std::move(*e));
      }
      return core::Value(std::move(a));
    }
    case msgpack::type::MAP: {
      core::Map m;
      m.reserve(o.via.map.size);
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const msgpack::object_kv& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) {
          return core::invalid(fmt::format("{}: a map key is not a string (MessagePack type {})", what,
                                           static_cast<int>(kv.key.type)));
        }
        auto e = to_value(kv.val, depth + 1, what);
        if (!e) return std::move(e).error();
        m.emplace_back(std::string(kv.key.via.str.ptr, kv.key.via.str.size), std::move(*e));
      }
      return core::Value(std::move(m));
    }
    case msgpack::type::EXT: return core::invalid(fmt::format("{}: MessagePack ext type is not a wirt value", what));
  }
  return core::invalid(fmt::format("{}: unknown MessagePack type {}", what, static_cast<int>(o.type)));
}

}  // namespace

core::Result<std::string> encode(const core::Value& v, size_t max_bytes) {
  msgpack::sbuffer buf;
  Packer packer{buf};
  WIRT_TRY(pack(packer, v, 0));
  if (buf.size() > max_bytes) {
    return core::invalid(fmt::format("cluster message: {} bytes encoded, over the {}-byte limit (cluster.max_message)",
                                     buf.size(), max_bytes));
  }
  return std::string(buf.data(), buf.size());
}

core::Result<core::Value> decode(std::string_view data, std::string_view what, size_t max_bytes) {
  if (data.size() > max_bytes) {
    return core::invalid(fmt::format("{}: {} bytes, over the {}-byte limit (cluster.max_message)", what, data.size(),
                                     max_bytes));
  }
  if (data.empty()) return core::invalid(fmt::format("{}: empty", what));
  // Every element takes at least one byte, so no honest count exceeds the input's size; the
  // unpacker allocates counts up front, so the bound keeps a forged header from allocating.
  const size_t n = data.size();
  msgpack::unpack_limit limit(n, n / 2 + 1, n, n, 0, core::kMaxNesting + 1);
  msgpack::object_handle handle;
  std::size_t offset = 0;
  try {
    handle = msgpack::unpack(data.data(), data.size(), offset, nullptr, nullptr, limit);
  } catch (const msgpack::depth_size_overflow&) {
    return core::nesting_error(what);
  } catch (const msgpack::ext_size_overflow&) {
    return core::invalid(fmt::format("{}: MessagePack ext type is not a wirt value", what));
  } catch (const msgpack::size_overflow& e) {
    return core::invalid(fmt::format("{}: an element count exceeds the message's size ({})", what, e.what()));
  } catch (const msgpack::insufficient_bytes&) {
    return core::invalid(fmt::format("{}: truncated MessagePack ({} bytes)", what, data.size()));
  } catch (const std::exception& e) {
    return core::invalid(fmt::format("{}: malformed MessagePack: {}", what, e.what()));
  }
  if (offset != data.size()) {
    return core::invalid(fmt::format("{}: {} trailing bytes after the value", what, data.size() - offset));
  }
  return to_value(handle.get(), 0, what);
}

}  // namespace wirt::cluster
