# Every dependency is a Debian 12 package; nothing is vendored or downloaded.
find_package(Threads REQUIRED)
find_package(Protobuf 3.21 REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(Boost 1.81 CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(ZLIB REQUIRED)  # polling response compression (engineio)
# Scale-out (hub/cluster): hiredis for Redis, msgpuck for MessagePack.
# msgpuck, not msgpack-cxx: Debian's libmsgpack-cxx-dev depends on
# libboost-dev (1.74), which conflicts with libboost1.81-dev.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
find_path(HUB_MSGPUCK_INCLUDE_DIR msgpuck.h REQUIRED)
find_library(HUB_MSGPUCK_LIBRARY NAMES libmsgpuck.a msgpuck REQUIRED)
find_program(HUB_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
if(HUB_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HUB_BENCH)
  find_package(benchmark REQUIRED)
endif()
