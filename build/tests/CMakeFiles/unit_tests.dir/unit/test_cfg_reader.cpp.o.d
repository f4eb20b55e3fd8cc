tests/CMakeFiles/unit_tests.dir/unit/test_cfg_reader.cpp.o: \
 /work/main/tests/unit/test_cfg_reader.cpp /usr/include/stdc-predef.h \
 /usr/include/doctest/doctest.h
