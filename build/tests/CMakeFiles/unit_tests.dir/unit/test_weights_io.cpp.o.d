tests/CMakeFiles/unit_tests.dir/unit/test_weights_io.cpp.o: \
 /work/main/tests/unit/test_weights_io.cpp /usr/include/stdc-predef.h \
 /usr/include/doctest/doctest.h
