# libFuzzer targets (fuzz/*_fuzz.cpp), built with -DPAMPAX_FUZZ=ON by clang only; run them with
# fuzz/run. They link a library of the layers they exercise (util, scan, parse, store, search),
# compiled with the fuzzer's coverage instrumentation and ASan + UBSan; the tree-sitter
# grammars stay uninstrumented, as in the other builds. Warnings are not errors here: clang
# warns about things GCC (the -Werror compiler of this project) does not.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PAMPAX_FUZZ=ON needs clang (libFuzzer): cmake -DCMAKE_CXX_COMPILER=clang++ "
                      "-DCMAKE_C_COMPILER=clang ...")
endif()
set(PAMPAX_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer -g)
file(GLOB PAMPAX_FUZZ_LIB_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/src/util/*.cpp ${CMAKE_SOURCE_DIR}/src/scan/*.cpp
  ${CMAKE_SOURCE_DIR}/src/parse/*.cpp ${CMAKE_SOURCE_DIR}/src/store/*.cpp
  ${CMAKE_SOURCE_DIR}/src/search/*.cpp)
# search/rerank.cpp builds the reranker's text with embed/embed_text.h.
list(APPEND PAMPAX_FUZZ_LIB_SOURCES ${CMAKE_SOURCE_DIR}/src/embed/embed_text.cpp)
# The MCP server's JSON-RPC layer, when this tree has it (fuzz/jsonrpc_fuzz.cpp needs it).
set(PAMPAX_FUZZ_HAS_JSONRPC OFF)
if(EXISTS ${CMAKE_SOURCE_DIR}/src/mcp/jsonrpc.cpp)
  list(APPEND PAMPAX_FUZZ_LIB_SOURCES ${CMAKE_SOURCE_DIR}/src/mcp/jsonrpc.cpp)
  set(PAMPAX_FUZZ_HAS_JSONRPC ON)
endif()
add_library(pampax_fuzz_lib STATIC EXCLUDE_FROM_ALL ${PAMPAX_FUZZ_LIB_SOURCES})
target_include_directories(pampax_fuzz_lib PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_compile_options(pampax_fuzz_lib PRIVATE -Wall -Wextra -Wno-missing-field-initializers
                       ${PAMPAX_FUZZ_FLAGS})
target_compile_definitions(pampax_fuzz_lib PUBLIC PAMPAX_VERSION="${PROJECT_VERSION}")
target_link_libraries(pampax_fuzz_lib PUBLIC pampax_grammars PkgConfig::SQLITE3 PkgConfig::ZSTD
  PkgConfig::XXHASH nlohmann_json::nlohmann_json Threads::Threads)

file(GLOB PAMPAX_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/*_fuzz.cpp)
set(PAMPAX_FUZZ_ALL)
foreach(src ${PAMPAX_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)   # ignore_fuzz
  string(REGEX REPLACE "_fuzz$" "" name ${name})
  if(name STREQUAL "jsonrpc" AND NOT PAMPAX_FUZZ_HAS_JSONRPC)
    message(STATUS "fuzz: no src/mcp/jsonrpc.cpp in this tree: fuzz_jsonrpc is not built")
    continue()
  endif()
  add_executable(fuzz_${name} EXCLUDE_FROM_ALL ${src})
  target_compile_options(fuzz_${name} PRIVATE -Wall -Wextra ${PAMPAX_FUZZ_FLAGS})
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_${name} PRIVATE pampax_fuzz_lib)
  list(APPEND PAMPAX_FUZZ_ALL fuzz_${name})
endforeach()
add_custom_target(fuzz_all DEPENDS ${PAMPAX_FUZZ_ALL})
