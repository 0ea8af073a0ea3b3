# llama.cpp: static libraries built once by scripts/build-llama (never with our warnings or
# sanitizers) into third_party/llama/install, imported here as the target pampax_llama.
set(LLAMA_INSTALL ${CMAKE_SOURCE_DIR}/third_party/llama/install)
if(NOT EXISTS ${LLAMA_INSTALL}/lib/libllama.a)
  message(FATAL_ERROR "llama.cpp is not built: run scripts/bootstrap (or scripts/build-llama)")
endif()
find_package(OpenMP REQUIRED COMPONENTS C CXX)

# Link order matters for static archives: each library before the ones it uses.
set(_llama_prev)
foreach(lib ggml-base ggml-cpu ggml llama)
  add_library(pampax_llama_${lib} STATIC IMPORTED)
  set_target_properties(pampax_llama_${lib} PROPERTIES
    IMPORTED_LOCATION ${LLAMA_INSTALL}/lib/lib${lib}.a
    INTERFACE_LINK_LIBRARIES "${_llama_prev}")
  set(_llama_prev pampax_llama_${lib})
endforeach()
# ggml-cpu runs its threads with OpenMP; ggml-base needs libm and pthreads. libgomp is linked
# statically when the compiler has libgomp.a: its constructor (which reads OMP_WAIT_POLICY once)
# then runs inside the executable after pampax's own default for it (embed/gguf_runtime.cpp).
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libgomp.a
  OUTPUT_VARIABLE PAMPAX_LIBGOMP_A OUTPUT_STRIP_TRAILING_WHITESPACE)
if(IS_ABSOLUTE "${PAMPAX_LIBGOMP_A}" AND EXISTS "${PAMPAX_LIBGOMP_A}")
  set_property(TARGET pampax_llama_ggml-cpu APPEND PROPERTY
    INTERFACE_LINK_LIBRARIES "${PAMPAX_LIBGOMP_A};Threads::Threads")
else()
  message(WARNING "no static libgomp: pampax cannot default OMP_WAIT_POLICY=PASSIVE; set it in "
                  "the environment on busy machines")
  set_property(TARGET pampax_llama_ggml-cpu APPEND PROPERTY
    INTERFACE_LINK_LIBRARIES "$<LINK_ONLY:OpenMP::OpenMP_CXX>")
endif()
set_property(TARGET pampax_llama_ggml-base APPEND PROPERTY
  INTERFACE_LINK_LIBRARIES "Threads::Threads;m")

add_library(pampax_llama INTERFACE IMPORTED)
target_link_libraries(pampax_llama INTERFACE pampax_llama_llama)
# SYSTEM: llama.cpp's headers must not trip our -Werror.
target_include_directories(pampax_llama SYSTEM INTERFACE ${LLAMA_INSTALL}/include)
set(PAMPAX_LLAMA_SERVER ${LLAMA_INSTALL}/bin/llama-server)
