# Every dependency is a Debian package (installed by `make deps`); no downloads at build time.
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(CURL REQUIRED)
# cpp-httplib (libcpp-httplib-dev) ships only a pkg-config file, no CMake package.
find_package(PkgConfig REQUIRED)
pkg_check_modules(httplib REQUIRED IMPORTED_TARGET cpp-httplib)
if(HEARTH_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
