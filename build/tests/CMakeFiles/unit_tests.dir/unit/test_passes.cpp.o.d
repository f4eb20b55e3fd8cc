tests/CMakeFiles/unit_tests.dir/unit/test_passes.cpp.o: \
 /work/main/tests/unit/test_passes.cpp /usr/include/stdc-predef.h \
 /usr/include/doctest/doctest.h
