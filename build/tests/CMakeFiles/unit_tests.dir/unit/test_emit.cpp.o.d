tests/CMakeFiles/unit_tests.dir/unit/test_emit.cpp.o: \
 /work/main/tests/unit/test_emit.cpp /usr/include/stdc-predef.h \
 /usr/include/doctest/doctest.h
