file(REMOVE_RECURSE
  "CMakeFiles/rnnc.dir/compiler/main.cpp.o"
  "CMakeFiles/rnnc.dir/compiler/main.cpp.o.d"
  "rnnc"
  "rnnc.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/rnnc.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
