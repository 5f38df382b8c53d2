# reader_tests: registered by tests/CMakeLists.txt
