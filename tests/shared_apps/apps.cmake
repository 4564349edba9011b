# Acceptance apps over the third-party fixtures in ${WIRT_SHARED_DIR}/fixtures/wippy, and the
# differential test of the project's own components against node (jco). Included from the
# top-level CMakeLists.txt.
#
# Each folder tests/shared_apps/<app>/ is an app template: its files are written to
# ${CMAKE_BINARY_DIR}/shared_apps/<app>/ with @WIPPY_FIXTURES_DIR@ replaced by the fixture
# folder's absolute path (files ending in .in lose that suffix; other files are copied as is),
# then run by `wirt test` as the ctest shared_app.<app>. Without the fixtures each test prints a
# notice and reports skipped (exit 77).

set(_wippy_fixtures "${WIRT_SHARED_DIR}/fixtures/wippy")
get_filename_component(WIPPY_FIXTURES_DIR "${_wippy_fixtures}" ABSOLUTE)
set(_shared_apps_src "${CMAKE_CURRENT_LIST_DIR}")

file(GLOB _shared_app_dirs LIST_DIRECTORIES true "${_shared_apps_src}/*")
foreach(_dir ${_shared_app_dirs})
  if(NOT IS_DIRECTORY "${_dir}")
    continue()
  endif()
  get_filename_component(_app "${_dir}" NAME)
  if(EXISTS "${WIPPY_FIXTURES_DIR}/INDEX.md")
    set(_out "${CMAKE_BINARY_DIR}/shared_apps/${_app}")
    file(GLOB_RECURSE _files RELATIVE "${_dir}" CONFIGURE_DEPENDS "${_dir}/*")
    foreach(_f ${_files})
      if(_f MATCHES "\\.in$")
        string(REGEX REPLACE "\\.in$" "" _target "${_f}")
        configure_file("${_dir}/${_f}" "${_out}/${_target}" @ONLY)
      else()
        configure_file("${_dir}/${_f}" "${_out}/${_f}" COPYONLY)
      endif()
    endforeach()
    add_test(NAME shared_app.${_app} COMMAND $<TARGET_FILE:wirt> test -a "${_out}")
    set_tests_properties(shared_app.${_app} PROPERTIES TIMEOUT 300
                         ENVIRONMENT "WIRT_CACHE_DIR=${CMAKE_BINARY_DIR}/wasm-cache")
  else()
    # Absent data is a skip (exit 77 = SKIP_RETURN_CODE), never a pass.
    add_test(NAME shared_app.${_app}
             COMMAND sh -c "echo 'skipped: fixtures not found at ${WIPPY_FIXTURES_DIR} (set WIRT_SHARED_DIR)'; exit 77")
    set_tests_properties(shared_app.${_app} PROPERTIES TIMEOUT 10 SKIP_RETURN_CODE 77)
  endif()
endforeach()

# Differential test: the project's own components (tests/fixtures/components) under wirt and
# under node + jco (reference.mjs), and both against cases.json. Reports "skipped" (exit 77)
# when node or the npm packages (scripts/build-components installs them into
# build/fixtures-npm) are missing, after the cases.json comparison passed. js-types (12.9 MB)
# compiles once on tier 1 (~20 s); all its functions run.
add_test(NAME differential.components
         COMMAND bash "${CMAKE_SOURCE_DIR}/tests/unit/differential/run.sh" $<TARGET_FILE:wirt>
                 "${CMAKE_BINARY_DIR}")
set_tests_properties(differential.components PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
