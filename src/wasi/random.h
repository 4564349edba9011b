// Random bytes for guests: preview1 `random_get` and preview2 wasi:random
// (get-random-bytes, get-insecure-random-bytes, the u64 and seed functions).
//
// The size is the guest's to choose, so the host work is bounded by what the guest owns
// (issue 9 item 1): a preview2 result must fit in the component's linear memory — the
// canonical ABI has to copy it there — and is refused with a trap naming the sizes otherwise
// (a fixed 64 MiB cap used to return fewer bytes than asked, silently). Filling checks the
// call's deadline between 1 MiB chunks.
//
// Thread-safe (getrandom(2) only; no state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "component/component_instance.h"
#include "core/result.h"

namespace wirt::wasi {

// Fills dst[0, n) from the kernel's CSPRNG. Timeout at `deadline_ns` (steady-clock ns, 0 = none).
core::Status fill_random(uint8_t* dst, size_t n, int64_t deadline_ns);

// `n` random bytes for a preview2 result, refused (Internal, "wasm trap: …") when n exceeds
// the largest linear memory of `inst`: such a result cannot be lowered into the guest.
core::Result<std::string> random_result(component::ComponentInstance& inst, uint64_t n, int64_t deadline_ns,
                                        std::string_view func);

}  // namespace wirt::wasi
