# Warnings for our own targets; -Werror in CI (HEARTH_WERROR=ON by default).
set(HEARTH_WARNINGS -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(HEARTH_WERROR)
  list(APPEND HEARTH_WARNINGS -Werror)
endif()
if(HEARTH_SANITIZE)
  add_compile_options(-fsanitize=${HEARTH_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${HEARTH_SANITIZE})
  # GCC 12 with ASan reports -Wmaybe-uninitialized inside libstdc++'s <regex> (a false positive in
  # the header, not in our code); keep it a warning so -Werror does not stop the sanitizer build.
  list(APPEND HEARTH_WARNINGS -Wno-error=maybe-uninitialized)
endif()
# Bit-exact reference dequantizers and reproducible results across ISAs: never let the compiler
# fuse a*b+c on its own (GCC does by default on aarch64). SIMD kernels use explicit FMAs.
add_compile_options(-ffp-contract=off)
