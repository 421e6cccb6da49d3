// Which SIMD instruction sets this CPU (and OS) can run, detected once at startup.
// src/kernels/dispatch.cc is the only place that picks kernels from it.
#pragma once

#include <string>

namespace hearth {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool neon = false;
  bool dotprod = false;
  std::string Describe() const;  // "AVX2 FMA F16C ..."
};

const CpuFeatures& GetCpuFeatures();

}  // namespace hearth
