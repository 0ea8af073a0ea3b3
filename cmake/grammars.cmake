# tree-sitter runtime (vendored in npm tree-sitter@0.25.1, accepts grammar ABI 13-15) and the
# grammars' generated C sources, compiled into one static library. Third-party code: built
# with -O2 and without our warning flags; never sanitized (it is not ours to fix).
set(TS_ROOT ${TP}/tree-sitter/vendor/tree-sitter/lib)
set(GRAMMAR_DIRS
  c:${TP}/tree-sitter-c/src
  cpp:${TP}/tree-sitter-cpp/src
  python:${TP}/tree-sitter-python/src
  javascript:${TP}/tree-sitter-javascript/src
  typescript:${TP}/tree-sitter-typescript/typescript/src
  tsx:${TP}/tree-sitter-typescript/tsx/src
  go:${TP}/tree-sitter-go/src
  rust:${TP}/tree-sitter-rust/src
  java:${TP}/tree-sitter-java/src
  c_sharp:${TP}/tree-sitter-c-sharp/src
  ruby:${TP}/tree-sitter-ruby/src
  php:${TP}/tree-sitter-php/php/src
  bash:${TP}/tree-sitter-bash/src
)
set(GRAMMAR_SOURCES ${TS_ROOT}/src/lib.c)
foreach(entry ${GRAMMAR_DIRS})
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 gname)
  list(GET parts 1 gdir)
  file(GLOB gsrc ${gdir}/parser.c ${gdir}/scanner.c)
  foreach(f ${gsrc})
    # Each grammar's sources include "tree_sitter/parser.h" relative to their own dir.
    set_source_files_properties(${f} PROPERTIES INCLUDE_DIRECTORIES ${gdir})
  endforeach()
  list(APPEND GRAMMAR_SOURCES ${gsrc})
endforeach()
add_library(pampax_grammars STATIC ${GRAMMAR_SOURCES})
target_include_directories(pampax_grammars PUBLIC ${TS_ROOT}/include PRIVATE ${TS_ROOT}/src)
set_target_properties(pampax_grammars PROPERTIES C_STANDARD 11)
target_compile_options(pampax_grammars PRIVATE -O2 -w -g0)
target_compile_definitions(pampax_grammars PRIVATE _DEFAULT_SOURCE)
