# Runs a command and checks its exit code and output, for ctest (add_test cannot check both).
#   cmake -DCOMMAND="prog|arg|..." -DEXPECT_RC=1 -DEXPECT="regex|regex|..." -P check_test_command.cmake
# Arguments and regexes are separated by '|'. stdout and stderr are checked together.
string(REPLACE "|" ";" cmd "${COMMAND}")
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(NOT "${rc}" STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "exit code ${rc}, expected ${EXPECT_RC}; output:\n${all}")
endif()
string(REPLACE "|" ";" patterns "${EXPECT}")
foreach(p IN LISTS patterns)
  if(NOT all MATCHES "${p}")
    message(FATAL_ERROR "output does not match '${p}'; output:\n${all}")
  endif()
endforeach()
message(STATUS "ok: exit ${rc}")
