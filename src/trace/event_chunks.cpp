#include "trace/event_chunks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#ifndef FLOPWALL_HAVE_LIBDEFLATE
#error "FLOPWALL_HAVE_LIBDEFLATE comes from flopwall_libdeflate (cmake/FlopwallDependencies.cmake)"
#endif
#if FLOPWALL_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

namespace flopwall {
namespace {

// Larger decoded chunks than this are left to HDF5 (traces use 768 KiB).
constexpr std::uint64_t k_max_chunk_bytes = std::uint64_t{1} << 30;

[[noreturn]] void chunk_fault(const std::string& what, std::uint64_t index, const std::string& why) {
  throw std::runtime_error(fmt::format("cannot read {}: chunk {} {}", what, index, why));
}

// Undoes HDF5's byte shuffle for rows [lo, lo + count) of a chunk of `rows`
// elements of `size` bytes: byte b of element j is at in[b * rows + j].
void unshuffle(const std::uint8_t* in, std::uint64_t rows, std::size_t size, std::uint64_t lo, std::uint64_t count,
               std::uint8_t* out) {
  for (std::size_t b = 0; b < size; ++b) {
    const std::uint8_t* plane = in + b * rows + lo;
    std::uint8_t* dst = out + b;
    for (std::uint64_t j = 0; j < count; ++j) dst[j * size] = plane[j];
  }
}

}  // namespace

std::uint32_t hdf5_fletcher32(std::span<const std::uint8_t> bytes) noexcept {
  const std::uint8_t* data = bytes.data();
  std::size_t words = bytes.size() / 2;
  std::uint32_t sum1 = 0, sum2 = 0;
  while (words > 0) {
    std::size_t n = words > 360 ? 360 : words;  // no overflow before the fold
    words -= n;
    do {
      sum1 += static_cast<std::uint32_t>((data[0] << 8) | data[1]);
      data += 2;
      sum2 += sum1;
    } while (--n);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (bytes.size() % 2 != 0) {
    sum1 += static_cast<std::uint32_t>(*data) << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

bool fletcher32_matches(std::uint32_t computed, std::uint32_t stored) noexcept {
  const std::uint32_t swapped = ((computed & 0x00ff00ffu) << 8) | ((computed & 0xff00ff00u) >> 8);
  return stored == computed || stored == swapped;
}

bool event_chunks_decodable() noexcept { return FLOPWALL_HAVE_LIBDEFLATE != 0; }

std::optional<EventChunkLayout> event_chunk_layout(hid_t dataset, const std::string& what) {
  if (!event_chunks_decodable()) return std::nullopt;
  h5::Handle dcpl(h5::expect(H5Dget_create_plist(dataset), "cannot read the layout of " + what), H5Pclose);
  hsize_t chunk[1] = {0};
  if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, 1, chunk) != 1 || chunk[0] == 0) return std::nullopt;
  EventChunkLayout layout;
  layout.file_type = h5::Handle(h5::expect(H5Dget_type(dataset), "cannot read the type of " + what), H5Tclose);
  layout.file_row_bytes = H5Tget_size(layout.file_type);
  layout.chunk_rows = chunk[0];
  if (H5Tget_class(layout.file_type) != H5T_COMPOUND || layout.file_row_bytes == 0 ||
      layout.chunk_rows > k_max_chunk_bytes / layout.file_row_bytes)
    return std::nullopt;

  const std::vector<h5::Filter> pipeline = h5::filter_pipeline(dcpl, what);
  if (pipeline.size() != 2 && pipeline.size() != 3) return std::nullopt;
  const std::array<H5Z_filter_t, 3> order{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE, H5Z_FILTER_FLETCHER32};
  for (std::size_t i = 0; i < pipeline.size(); ++i)
    if (pipeline[i].id != order[i]) return std::nullopt;
  // The shuffle's element size is fixed when the table is created: the file
  // type's, or the bytes would be put back in the wrong places.
  const std::vector<unsigned>& shuffle = pipeline.front().values;
  if (shuffle.empty() || shuffle.front() != layout.file_row_bytes) return std::nullopt;
  layout.checksummed = pipeline.size() == 3;
  return layout;
}

#if FLOPWALL_HAVE_LIBDEFLATE

EventChunkDecoder::EventChunkDecoder() : m_inflater(libdeflate_alloc_decompressor()) {
  if (m_inflater == nullptr) throw std::bad_alloc();
}

EventChunkDecoder::~EventChunkDecoder() {
  libdeflate_free_decompressor(static_cast<libdeflate_decompressor*>(m_inflater));
}

bool EventChunkDecoder::read(hid_t dataset, const EventChunkLayout& layout, hid_t mem_type, std::uint64_t index,
                             std::uint64_t lo, std::uint64_t count, TraceEvent* out, std::uint64_t max_bytes,
                             const std::string& what) {
  const hsize_t offset[1] = {index * layout.chunk_rows};
  hsize_t stored = 0;
  h5::expect(H5Dget_chunk_storage_size(dataset, offset, &stored), fmt::format("cannot read {}: chunk {}", what, index));
  if (stored == 0) return false;  // not written: HDF5 reads its fill value
  if (stored > max_bytes)
    chunk_fault(what, index, fmt::format("is stored as {} bytes, more than the file's {}", stored, max_bytes));
  m_stored.resize(stored);
  std::uint32_t filter_mask = 0;
  h5::expect(H5Dread_chunk(dataset, H5P_DEFAULT, offset, &filter_mask, m_stored.data()),
             fmt::format("cannot read {}: chunk {}", what, index));
  if (filter_mask != 0) return false;  // a filter was skipped on this chunk

  std::size_t compressed = m_stored.size();
  if (layout.checksummed) {
    if (compressed < 4) chunk_fault(what, index, fmt::format("is {} bytes, too short for its checksum", compressed));
    compressed -= 4;
    const std::uint8_t* s = m_stored.data() + compressed;
    const std::uint32_t stored_sum = static_cast<std::uint32_t>(s[0]) | static_cast<std::uint32_t>(s[1]) << 8 |
                                     static_cast<std::uint32_t>(s[2]) << 16 | static_cast<std::uint32_t>(s[3]) << 24;
    if (!fletcher32_matches(hdf5_fletcher32({m_stored.data(), compressed}), stored_sum))
      throw std::runtime_error(fmt::format("cannot read {}: data error detected by Fletcher32 checksum", what));
  }

  const std::size_t rows = layout.chunk_rows, row_bytes = layout.file_row_bytes;
  if (lo > rows || count > rows - lo) chunk_fault(what, index, "read past its end");
  const std::size_t expected = rows * row_bytes;
  m_inflated.resize(expected);
  std::size_t actual = 0;
  const libdeflate_result rc = libdeflate_zlib_decompress(static_cast<libdeflate_decompressor*>(m_inflater),
                                                          m_stored.data(), compressed, m_inflated.data(), expected,
                                                          &actual);
  if (rc == LIBDEFLATE_INSUFFICIENT_SPACE)
    chunk_fault(what, index, fmt::format("inflates to more than its {} bytes", expected));
  if (rc != LIBDEFLATE_SUCCESS) chunk_fault(what, index, "does not inflate (damaged compressed data)");
  if (actual != expected)
    chunk_fault(what, index, fmt::format("inflates to {} bytes; a chunk of {} rows is {}", actual, rows, expected));

  // Unshuffled straight into `out` when the file's rows are no wider than
  // TraceEvent (H5Tconvert converts in place), else through a buffer.
  const std::size_t mem_bytes = sizeof(TraceEvent);
  std::uint8_t* target = reinterpret_cast<std::uint8_t*>(out);
  if (row_bytes > mem_bytes) {
    m_convert.resize(count * row_bytes);
    target = m_convert.data();
  }
  unshuffle(m_inflated.data(), rows, row_bytes, lo, count, target);
  m_background.resize(count * std::max(row_bytes, mem_bytes));
  h5::expect(H5Tconvert(layout.file_type, mem_type, count, target, m_background.data(), H5P_DEFAULT),
             fmt::format("cannot read {}: chunk {}", what, index));
  if (target != reinterpret_cast<std::uint8_t*>(out)) std::memcpy(out, target, count * mem_bytes);
  return true;
}

#else

EventChunkDecoder::EventChunkDecoder() = default;
EventChunkDecoder::~EventChunkDecoder() = default;

bool EventChunkDecoder::read(hid_t, const EventChunkLayout&, hid_t, std::uint64_t, std::uint64_t, std::uint64_t,
                             TraceEvent*, std::uint64_t, const std::string&) {
  return false;
}

#endif

}  // namespace flopwall
