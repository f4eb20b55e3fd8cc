file(REMOVE_RECURSE
  "CMakeFiles/rnnc_core.dir/compiler/cfg/cfg_reader.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/cfg/cfg_reader.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/diag.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/diag.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/driver/build.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/driver/build.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/emit/emit_cpp.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/emit/emit_cpp.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/ir/lower.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/ir/lower.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/ir/model.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/ir/model.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/passes/fold_batch_norm.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/passes/fold_batch_norm.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/passes/fuse_recurrent_step.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/passes/fuse_recurrent_step.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/passes/one_hot_gather.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/passes/one_hot_gather.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/compiler/passes/pipeline.cpp.o"
  "CMakeFiles/rnnc_core.dir/compiler/passes/pipeline.cpp.o.d"
  "CMakeFiles/rnnc_core.dir/embedded_files.cpp.o"
  "CMakeFiles/rnnc_core.dir/embedded_files.cpp.o.d"
  "embedded_files.cpp"
  "librnnc_core.a"
  "librnnc_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/rnnc_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
