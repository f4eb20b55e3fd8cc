file(REMOVE_RECURSE
  "CMakeFiles/unit_tests.dir/unit/main.cpp.o"
  "CMakeFiles/unit_tests.dir/unit/main.cpp.o.d"
  "CMakeFiles/unit_tests.dir/unit/test_cfg_reader.cpp.o"
  "CMakeFiles/unit_tests.dir/unit/test_cfg_reader.cpp.o.d"
  "CMakeFiles/unit_tests.dir/unit/test_emit.cpp.o"
  "CMakeFiles/unit_tests.dir/unit/test_emit.cpp.o.d"
  "CMakeFiles/unit_tests.dir/unit/test_kernels.cpp.o"
  "CMakeFiles/unit_tests.dir/unit/test_kernels.cpp.o.d"
  "CMakeFiles/unit_tests.dir/unit/test_lower.cpp.o"
  "CMakeFiles/unit_tests.dir/unit/test_lower.cpp.o.d"
  "CMakeFiles/unit_tests.dir/unit/test_passes.cpp.o"
  "CMakeFiles/unit_tests.dir/unit/test_passes.cpp.o.d"
  "CMakeFiles/unit_tests.dir/unit/test_random.cpp.o"
  "CMakeFiles/unit_tests.dir/unit/test_random.cpp.o.d"
  "CMakeFiles/unit_tests.dir/unit/test_weights_io.cpp.o"
  "CMakeFiles/unit_tests.dir/unit/test_weights_io.cpp.o.d"
  "unit_tests"
  "unit_tests.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/unit_tests.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
