// wirt::core::read_all — the whole content of an open file in one buffer.
//
// The buffer is sized from fstat(2) up front and filled by read(2) directly: a 13 MB component
// is copied once (page cache -> string), where an ostringstream grew through doublings and then
// copied its buffer into the result (about 45 MB touched, thousands of page faults at boot).
// A file that grows while it is read is read to its end; pipes and /proc files (size 0) work.
// Stateless; thread-safe.
#pragma once

#include <string>

#include "core/result.h"

namespace wirt::core {

// Reads `fd` from its current offset to end of file. The error (Internal) is the failing
// call's strerror text, for the caller to put in its own message.
[[nodiscard]] Result<std::string> read_all(int fd);

}  // namespace wirt::core
