#include "hub/engineio/http_compression.h"

#include <zlib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hub/base/strings.h"

namespace hub::engineio {
namespace {

// The q-value of `coding` in an Accept-Encoding header (0 when absent).
double QualityOf(std::string_view header, std::string_view coding) {
  double star = 0;
  for (absl::string_view item : absl::StrSplit(ToAbsl(header), ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    const absl::string_view name = absl::StripAsciiWhitespace(parts[0]);
    double q = 1;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view param = absl::StripAsciiWhitespace(parts[i]);
      if (absl::ConsumePrefix(&param, "q=") || absl::ConsumePrefix(&param, "Q=")) {
        if (!absl::SimpleAtod(param, &q)) q = 0;
      }
    }
    if (absl::EqualsIgnoreCase(name, ToAbsl(coding))) return q;
    if (name == "*") star = q;
  }
  return star;
}

}  // namespace

ContentEncoding ChooseContentEncoding(std::string_view accept_encoding, size_t body_size,
                                      size_t threshold) {
  if (threshold == 0 || body_size < threshold || accept_encoding.empty()) {
    return ContentEncoding::kIdentity;
  }
  const double gzip = QualityOf(accept_encoding, "gzip");
  const double deflate = QualityOf(accept_encoding, "deflate");
  if (gzip > 0 && gzip >= deflate) return ContentEncoding::kGzip;
  if (deflate > 0) return ContentEncoding::kDeflate;
  return ContentEncoding::kIdentity;
}

std::string_view ContentEncodingName(ContentEncoding encoding) {
  switch (encoding) {
    case ContentEncoding::kGzip: return "gzip";
    case ContentEncoding::kDeflate: return "deflate";
    case ContentEncoding::kIdentity: return "identity";
  }
  return "identity";
}

absl::StatusOr<std::string> Compress(std::string_view body, ContentEncoding encoding) {
  if (encoding == ContentEncoding::kIdentity) return std::string(body);
  z_stream zs{};
  // windowBits 15 is zlib framing; +16 asks zlib for a gzip header instead.
  const int window_bits = encoding == ContentEncoding::kGzip ? 15 + 16 : 15;
  // Level 1: polling payloads are short-lived; speed matters more than ratio.
  if (deflateInit2(&zs, 1, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("zlib: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(body.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return absl::InternalError("zlib: deflate did not finish");
  out.resize(produced);
  return out;
}

}  // namespace hub::engineio
