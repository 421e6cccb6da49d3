# Every dependency is a Debian package (installed by `make deps`); no downloads at build time.
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
if(HEARTH_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
