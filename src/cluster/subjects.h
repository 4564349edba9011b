// NATS subjects of a wirt cluster (docs/cluster.md §3) and the escaping of registry ids into
// one subject token.
//
// NATS splits subjects on '.', reserves '*' and '>' and forbids whitespace; registry ids may
// contain all of them. escape_token writes each such byte (and '~', the escape character, and
// every control byte) as `~HH` (two upper-case hex digits): '.'→~2E, '*'→~2A, '>'→~3E,
// '~'→~7E, ' '→~20. The mapping is injective and unescape_token reverses it, so a node can
// name the id a subject carries. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace wirt::cluster {

std::string escape_token(std::string_view id);
// Invalid for a `~` not followed by two hex digits or a result that escape_token would not
// have produced (so every subject has exactly one id).
core::Result<std::string> unescape_token(std::string_view token);

// True for a cluster or node name usable as a subject token as is: [A-Za-z0-9_-], 1..64 bytes.
bool valid_name(std::string_view name);

struct Subjects {
  std::string cluster;  // the first token of every subject (config `name`)

  std::string call(std::string_view function_id) const { return cluster + ".call." + escape_token(function_id); }
  std::string call_queue() const { return cluster + ".call"; }
  std::string spawn(std::string_view host_id) const { return cluster + ".spawn." + escape_token(host_id); }
  std::string spawn_queue() const { return cluster + ".spawn"; }
  std::string beat() const { return cluster + ".beat"; }
  std::string node_proc(std::string_view node) const { return cluster + ".node." + std::string(node) + ".proc"; }
  std::string node_ctl(std::string_view node) const { return cluster + ".node." + std::string(node) + ".ctl"; }
  // Requests about node N's processes that need an answer (link, monitor, terminate, cancel).
  std::string node_req(std::string_view node) const { return cluster + ".node." + std::string(node) + ".req"; }
};

}  // namespace wirt::cluster
