// C++ view of src/wasm/rt_abi.h (the C ABI shared with generated module code).
// rt_abi.h expects the <stdint.h> types to be declared first.
#pragma once

#include <cstdint>

#include "wasm/rt_abi.h"
