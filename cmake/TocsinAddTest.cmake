# tocsin_add_gtest(<name> SOURCES ... [LIBRARIES ...] [LABEL area] [TIMEOUT s])
#
# Builds a GTest executable and registers one CTest entry per GTest path, so CTest reports,
# times and filters (-R) single cases. Paths are discovered after the build by running the
# executable with -l (TocsinGTestList.cmake); paths under a "/subprocess/" part are children run by
# g_test_trap_subprocess() and are not registered on their own.
#
# A path must never be a prefix of another path ("/a/b" and "/a/b/c"): -p runs every path below it.
set(TOCSIN_TEST_ENV
  "TOCSIN_PLUGIN_PATH=${PROJECT_BINARY_DIR}/plugins:${PROJECT_BINARY_DIR}/tests/plugins"
  "TOCSIN_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
  "TOCSIN_BUILD_DIR=${PROJECT_BINARY_DIR}"
  "G_DEBUG=gc-friendly"
  "LC_ALL=C.UTF-8"
  "NO_COLOR=1")

function(tocsin_add_gtest name)
  cmake_parse_arguments(T "" "LABEL;TIMEOUT" "SOURCES;LIBRARIES;ENVIRONMENT" ${ARGN})
  if(NOT T_LABEL)
    set(T_LABEL "${name}")
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE tocsin ${T_LIBRARIES})
  target_compile_definitions(${name} PRIVATE G_LOG_DOMAIN="tocsin-test"
    TOCSIN_SOURCE_DIR="${PROJECT_SOURCE_DIR}" TOCSIN_BUILD_DIR="${PROJECT_BINARY_DIR}")
  set(env ${TOCSIN_TEST_ENV}
    "G_TEST_SRCDIR=${CMAKE_CURRENT_SOURCE_DIR}" "G_TEST_BUILDDIR=${CMAKE_CURRENT_BINARY_DIR}"
    ${T_ENVIRONMENT})
  string(REPLACE ";" "\\;" env_escaped "${env}")
  set(list_file "${CMAKE_CURRENT_BINARY_DIR}/${name}-tests.cmake")
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND "${CMAKE_COMMAND}" -D "TEST_EXE=$<TARGET_FILE:${name}>" -D "OUT=${list_file}"
            -D "LABEL=${T_LABEL}" -D "TIMEOUT=${T_TIMEOUT}" -D "ENV=${env_escaped}"
            -P "${PROJECT_SOURCE_DIR}/cmake/TocsinGTestList.cmake"
    BYPRODUCTS "${list_file}" VERBATIM)
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${name}-include.cmake")
  file(WRITE "${include_file}"
    "if(EXISTS \"${list_file}\")\n  include(\"${list_file}\")\nelse()\n"
    "  add_test(${name}_NOT_BUILT ${name}_NOT_BUILT)\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
