
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/compiler/cfg/cfg_reader.cpp" "CMakeFiles/rnnc_core.dir/compiler/cfg/cfg_reader.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/cfg/cfg_reader.cpp.o.d"
  "/work/main/compiler/diag.cpp" "CMakeFiles/rnnc_core.dir/compiler/diag.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/diag.cpp.o.d"
  "/work/main/compiler/driver/build.cpp" "CMakeFiles/rnnc_core.dir/compiler/driver/build.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/driver/build.cpp.o.d"
  "/work/main/compiler/emit/emit_cpp.cpp" "CMakeFiles/rnnc_core.dir/compiler/emit/emit_cpp.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/emit/emit_cpp.cpp.o.d"
  "/work/main/compiler/ir/lower.cpp" "CMakeFiles/rnnc_core.dir/compiler/ir/lower.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/ir/lower.cpp.o.d"
  "/work/main/compiler/ir/model.cpp" "CMakeFiles/rnnc_core.dir/compiler/ir/model.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/ir/model.cpp.o.d"
  "/work/main/compiler/passes/fold_batch_norm.cpp" "CMakeFiles/rnnc_core.dir/compiler/passes/fold_batch_norm.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/passes/fold_batch_norm.cpp.o.d"
  "/work/main/compiler/passes/fuse_recurrent_step.cpp" "CMakeFiles/rnnc_core.dir/compiler/passes/fuse_recurrent_step.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/passes/fuse_recurrent_step.cpp.o.d"
  "/work/main/compiler/passes/one_hot_gather.cpp" "CMakeFiles/rnnc_core.dir/compiler/passes/one_hot_gather.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/passes/one_hot_gather.cpp.o.d"
  "/work/main/compiler/passes/pipeline.cpp" "CMakeFiles/rnnc_core.dir/compiler/passes/pipeline.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/compiler/passes/pipeline.cpp.o.d"
  "/work/main/build/embedded_files.cpp" "CMakeFiles/rnnc_core.dir/embedded_files.cpp.o" "gcc" "CMakeFiles/rnnc_core.dir/embedded_files.cpp.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
