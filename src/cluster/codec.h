// core::Value ↔ MessagePack, the one body encoding of cluster messages (docs/cluster.md §4).
//
// Lossless: nil, bool, int64 (MessagePack int), float64 (float 64; float 32 is read), text (str),
// bytes (bin), array, map with string keys in insertion order. Decoding is bounded for input
// from other nodes: the whole body is capped (`max_bytes`), nesting stops at core::kMaxNesting
// (200, as JSON), element counts cannot exceed the bytes that carry them (a 5-byte header
// claiming 4 billion elements allocates nothing), and ext types, non-string map keys,
// unsigned integers above INT64_MAX and trailing bytes are Invalid errors naming what was wrong.
//
// Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace wirt::cluster {

// The default cap on one message body (docs/cluster.md §1 `max_message`).
inline constexpr size_t kDefaultMaxMessage = 8u << 20;

// Encodes `v`; Invalid when it nests deeper than 200 levels or encodes to more than `max_bytes`.
core::Result<std::string> encode(const core::Value& v, size_t max_bytes = kDefaultMaxMessage);
// Decodes one complete value from `data`; `what` names the input in errors ("call body").
core::Result<core::Value> decode(std::string_view data, std::string_view what,
                                 size_t max_bytes = kDefaultMaxMessage);

}  // namespace wirt::cluster
