# libFuzzer targets, built only with -DWIRT_FUZZ=ON (clang; the top-level CMakeLists.txt adds
# ASan + UBSan + fuzzer instrumentation to every target). Run them with `make fuzz`
# (tests/fuzz/run.sh). Included from the top-level CMakeLists.txt.
set(_fuzz_dir ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz)
# wirt_fuzz_target(NAME LIBRARY [EXTRA_SOURCES...]): tests/fuzz/NAME.cc linked with LIBRARY.
function(wirt_fuzz_target name library)
  add_executable(${name} ${_fuzz_dir}/${name}.cc ${ARGN})
  target_link_libraries(${name} PRIVATE ${library})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
endfunction()

wirt_fuzz_target(component_decoder_fuzz wirt_component)
wirt_fuzz_target(canonical_abi_fuzz wirt_component)
wirt_fuzz_target(json_fuzz wirt_core)
wirt_fuzz_target(wit_parser_fuzz wirt_component)
wirt_fuzz_target(yaml_entry_fuzz wirt_registry)
wirt_fuzz_target(wat_fuzz wirt_wasm)
wirt_fuzz_target(engine_diff_fuzz wirt_wasm ${_fuzz_dir}/engine_diff.cc)
target_link_libraries(engine_diff_fuzz PRIVATE wabt::wabt)
