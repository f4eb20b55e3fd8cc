tests/CMakeFiles/unit_tests.dir/unit/test_lower.cpp.o: \
 /work/main/tests/unit/test_lower.cpp /usr/include/stdc-predef.h \
 /usr/include/doctest/doctest.h
