// ASCII case folding for names, keywords and HTTP header fields (never for user text: it leaves
// every byte >= 0x80 alone, so UTF-8 passes through unchanged).
#pragma once

#include <string>
#include <string_view>

namespace hearth {

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace hearth
