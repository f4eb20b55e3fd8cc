tests/CMakeFiles/unit_tests.dir/unit/test_kernels.cpp.o: \
 /work/main/tests/unit/test_kernels.cpp /usr/include/stdc-predef.h \
 /usr/include/doctest/doctest.h
