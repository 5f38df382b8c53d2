# docs_tests: registered by tests/CMakeLists.txt
