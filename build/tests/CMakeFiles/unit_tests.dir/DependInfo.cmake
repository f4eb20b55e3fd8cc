
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tests/unit/main.cpp" "tests/CMakeFiles/unit_tests.dir/unit/main.cpp.o" "gcc" "tests/CMakeFiles/unit_tests.dir/unit/main.cpp.o.d"
  "/work/main/tests/unit/test_cfg_reader.cpp" "tests/CMakeFiles/unit_tests.dir/unit/test_cfg_reader.cpp.o" "gcc" "tests/CMakeFiles/unit_tests.dir/unit/test_cfg_reader.cpp.o.d"
  "/work/main/tests/unit/test_emit.cpp" "tests/CMakeFiles/unit_tests.dir/unit/test_emit.cpp.o" "gcc" "tests/CMakeFiles/unit_tests.dir/unit/test_emit.cpp.o.d"
  "/work/main/tests/unit/test_kernels.cpp" "tests/CMakeFiles/unit_tests.dir/unit/test_kernels.cpp.o" "gcc" "tests/CMakeFiles/unit_tests.dir/unit/test_kernels.cpp.o.d"
  "/work/main/tests/unit/test_lower.cpp" "tests/CMakeFiles/unit_tests.dir/unit/test_lower.cpp.o" "gcc" "tests/CMakeFiles/unit_tests.dir/unit/test_lower.cpp.o.d"
  "/work/main/tests/unit/test_passes.cpp" "tests/CMakeFiles/unit_tests.dir/unit/test_passes.cpp.o" "gcc" "tests/CMakeFiles/unit_tests.dir/unit/test_passes.cpp.o.d"
  "/work/main/tests/unit/test_random.cpp" "tests/CMakeFiles/unit_tests.dir/unit/test_random.cpp.o" "gcc" "tests/CMakeFiles/unit_tests.dir/unit/test_random.cpp.o.d"
  "/work/main/tests/unit/test_weights_io.cpp" "tests/CMakeFiles/unit_tests.dir/unit/test_weights_io.cpp.o" "gcc" "tests/CMakeFiles/unit_tests.dir/unit/test_weights_io.cpp.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/rnnc_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
