tests/CMakeFiles/unit_tests.dir/unit/test_random.cpp.o: \
 /work/main/tests/unit/test_random.cpp /usr/include/stdc-predef.h \
 /usr/include/doctest/doctest.h
