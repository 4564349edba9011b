// AddressSanitizer annotations for fiber stack switches (no-ops in other builds).
//
// Boost.Context's fcontext back end switches stacks in assembly that ASan cannot see: without
// being told, ASan keeps the worker thread's stack bounds while a fiber runs, so a longjmp or
// throw on a fiber (Lua errors, guest traps) prints "ignoring __asan_handle_no_return" and stale
// poisoned frames of a reused stack are then reported as stack-buffer-overflow in innocent code.
// Every switch is bracketed as the sanitizer API asks (sanitizer/common_interface_defs.h):
// start_switch() just before jumping to a stack, finish_switch() first thing after arriving.
//
// Stateless helpers; each fiber keeps its own fake-stack handle (FiberState::asan_fake_stack).
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define WIRT_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WIRT_ASAN_FIBERS 1
#endif
#endif

#ifdef WIRT_ASAN_FIBERS
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace wirt::sched::asan {

// The stack we are about to run on: [bottom, bottom + size). `fake_stack_save` receives the
// leaving context's fake stack (nullptr when the leaving fiber ends for good).
inline void start_switch(void** fake_stack_save, const void* bottom, size_t size) {
#ifdef WIRT_ASAN_FIBERS
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
  (void)fake_stack_save, (void)bottom, (void)size;
#endif
}

// Arrived: `fake_stack` is what this context saved when it left (nullptr on its first run);
// the bounds of the stack we came from go to *from_bottom / *from_size when non-null.
inline void finish_switch(void* fake_stack, const void** from_bottom, size_t* from_size) {
#ifdef WIRT_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(fake_stack, from_bottom, from_size);
#else
  (void)fake_stack, (void)from_bottom, (void)from_size;
#endif
}

// A stack handed back to the pool: its frames' redzones must not poison the next fiber.
inline void unpoison(void* addr, size_t size) {
#ifdef WIRT_ASAN_FIBERS
  ASAN_UNPOISON_MEMORY_REGION(addr, size);
#else
  (void)addr, (void)size;
#endif
}

}  // namespace wirt::sched::asan
