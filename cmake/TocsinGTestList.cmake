# Run by tocsin_add_gtest() after a build: lists the GTest paths of TEST_EXE and writes the
# CTest commands registering each one to OUT.
execute_process(COMMAND "${TEST_EXE}" -l
  OUTPUT_VARIABLE paths RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_EXE} -l failed (${rc}): ${err}")
endif()
string(REPLACE "\n" ";" paths "${paths}")
# ENV arrives with its list separators escaped (it went through a -D argument).
string(REPLACE "\\;" ";" ENV "${ENV}")
set(content "")
foreach(path IN LISTS paths)
  string(STRIP "${path}" path)
  if(path STREQUAL "" OR NOT path MATCHES "^/" OR path MATCHES "/subprocess(/|$)")
    continue()
  endif()
  string(APPEND content
    "add_test([==[${path}]==] \"${TEST_EXE}\" -p [==[${path}]==])\n"
    "set_tests_properties([==[${path}]==] PROPERTIES LABELS \"${LABEL}\" TIMEOUT ${TIMEOUT}"
    " SKIP_REGULAR_EXPRESSION \"ok [0-9]+ [^ ]+ # SKIP\""
    " ENVIRONMENT [==[${ENV}]==])\n")
endforeach()
file(WRITE "${OUT}" "${content}")
