// ISO 9660 (ECMA-119) with Joliet and Rock Ridge (SUSP / RRIP 1.12), walked
// one directory at a time. What the walk holds is one directory buffer and
// one path per nesting level, however many files the volume lists; every
// byte comes through BlockSource, so I/O errors stay classified.
//
// Which names: Rock Ridge when the root's "." record starts with SUSP's "SP"
// entry, else Joliet when a supplementary descriptor carries a Joliet
// escape, else the ISO 9660 names themselves (";1" and a trailing "." cut).
//
// ISO 9660 has no hard links of its own: names whose records share an extent
// are each read as a file with that content. A volume whose files add up to
// more than kMaxAmplification times its size is refused (a crafted image
// could point a million names at one large extent).
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include "hardware/fs_readers.h"

namespace qoima::hardware {
namespace {

constexpr uint64_t kBlock = 2048;
constexpr uint64_t kFirstDescriptor = 16;
constexpr int kMaxDescriptors = 64;
constexpr size_t kDirBufferBlocks = 8;     // directory read size: 16 KiB
constexpr size_t kMinRecordBytes = 34;     // a directory record with a one-byte name
constexpr int kMaxContinuationAreas = 16;  // SUSP "CE" hops per directory record
constexpr size_t kMaxContinuationBytes = 64 * 1024;
constexpr size_t kMaxNameBytes = 1024;      // one name, from NM entries or Joliet
constexpr size_t kMaxLinkBytes = 4096;      // one symlink target, from SL entries
constexpr size_t kMaxFileSections = 4096;   // extents of one multi-extent file
constexpr uint64_t kMaxAmplification = 16;  // file bytes read / medium bytes
constexpr uint64_t kAmplificationAllowance = 1ull << 30;

constexpr uint8_t kFlagDirectory = 0x02;
constexpr uint8_t kFlagAssociated = 0x04;
constexpr uint8_t kFlagMultiExtent = 0x80;

uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// Where a directory record's data starts: its extent, after the extended
// attribute record of as many blocks as byte 1 says.
uint64_t ExtentOffset(const uint8_t* record) { return (static_cast<uint64_t>(Le32(record + 2)) + record[1]) * kBlock; }

// The parts of a broken-down time both date forms share; 0 when unset or invalid.
int64_t ToEpoch(int year, int month, int day, int hour, int minute, int second, int8_t gmt_quarters) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return 0;
  std::tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  int64_t s = timegm(&t);
  if (gmt_quarters >= -48 && gmt_quarters <= 52) s -= static_cast<int64_t>(gmt_quarters) * 15 * 60;
  return s;
}

// ECMA-119 9.1.5: years since 1900, month, day, hour, minute, second, GMT offset.
int64_t ShortDate(const uint8_t* p) {
  return ToEpoch(1900 + p[0], p[1], p[2], p[3], p[4], p[5], static_cast<int8_t>(p[6]));
}

// ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" in digits, then the GMT offset.
int64_t LongDate(const uint8_t* p, uint32_t& nsec) {
  int v[7];
  const int widths[7] = {4, 2, 2, 2, 2, 2, 2};
  const uint8_t* q = p;
  for (int i = 0; i < 7; ++i) {
    v[i] = 0;
    for (int k = 0; k < widths[i]; ++k, ++q) {
      if (*q < '0' || *q > '9') return 0;
      v[i] = v[i] * 10 + (*q - '0');
    }
  }
  nsec = static_cast<uint32_t>(v[6]) * 10'000'000u;
  return ToEpoch(v[0], v[1], v[2], v[3], v[4], v[5], static_cast<int8_t>(p[16]));
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {  // lone surrogates too: invalid UTF-8, shown escaped by the parent
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Joliet names are UCS-2 big-endian; UTF-16 surrogate pairs are joined.
std::string FromUcs2(const uint8_t* p, size_t len) {
  std::string out;
  for (size_t i = 0; i + 1 < len; i += 2) {
    uint32_t u = static_cast<uint32_t>(p[i]) << 8 | p[i + 1];
    if (u >= 0xD800 && u < 0xDC00 && i + 3 < len) {
      uint32_t lo = static_cast<uint32_t>(p[i + 2]) << 8 | p[i + 3];
      if (lo >= 0xDC00 && lo < 0xE000) {
        AppendUtf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        i += 2;
        continue;
      }
    }
    AppendUtf8(out, u);
  }
  return out;
}

// "NAME.EXT;1" -> "NAME.EXT": the version is cut when only digits follow ';'.
void CutVersion(std::string& name) {
  size_t semi = name.rfind(';');
  if (semi == std::string::npos) return;
  if (std::all_of(name.begin() + static_cast<std::ptrdiff_t>(semi) + 1, name.end(),
                  [](char c) { return c >= '0' && c <= '9'; }))
    name.resize(semi);
}

struct Section {
  uint64_t offset;  // bytes from the start of the medium
  uint64_t length;
};

// A "ZF" entry: zisofs (version 1, algorithm "pz", 32-bit block offsets) or
// zisofs2 (version 2, "PZ", 64-bit offsets).
struct ZisofsFormat {
  int version = 0;
  uint8_t header_words = 0;
  uint8_t block_log2 = 0;
  uint64_t size = 0;  // uncompressed
};

// Rock Ridge fields of one directory record, gathered over its System Use
// area and the continuation areas it points to.
struct RockRidge {
  std::string name;
  bool has_name = false;
  bool name_is_special = false;  // NM "current" or "parent" flag
  bool has_mode = false;
  uint32_t mode = 0;
  bool has_mtime = false;
  int64_t mtime_sec = 0;
  uint32_t mtime_nsec = 0;
  std::string link;
  bool has_link = false;
  bool link_separator = false;          // the next SL component starts a new path component
  bool relocated = false;               // RE: shown where its CL placeholder stands
  std::optional<uint32_t> child_block;  // CL: this record stands for a relocated directory
  ZisofsFormat zisofs;                  // version 0: not compressed
  std::string unknown_compression;      // a "ZF" entry's algorithm we do not inflate
  bool sp = false;
  uint8_t sp_skip = 0;
};

struct Continuation {
  uint64_t offset = 0;
  uint32_t length = 0;
};

// Parses one System Use area (SUSP 1.12 section 4). A "CE" entry sets `next`.
Status ParseSystemUse(std::span<const uint8_t> a, RockRidge& rr, std::optional<Continuation>& next) {
  size_t off = 0;
  while (off + 4 <= a.size()) {
    const uint8_t* e = a.data() + off;
    size_t len = e[2];
    if (len == 0 && e[0] == 0) break;  // padding
    if (len < 4 || off + len > a.size())
      return Status::Corrupt("System Use entry '" + std::string(reinterpret_cast<const char*>(e), 2) + "' of " +
                             std::to_string(len) + " bytes overruns its area");
    off += len;
    auto sig = [&](const char* s) { return e[0] == s[0] && e[1] == s[1]; };
    if (sig("ST")) break;
    if (sig("SP") && len >= 7 && e[4] == 0xBE && e[5] == 0xEF) {
      rr.sp = true;
      rr.sp_skip = e[6];
    } else if (sig("CE") && len >= 28) {
      next = Continuation{static_cast<uint64_t>(Le32(e + 4)) * kBlock + Le32(e + 12), Le32(e + 20)};
    } else if (sig("NM") && len >= 5) {
      if (e[4] & 0x06) {
        rr.name_is_special = true;
      } else {
        rr.name.append(reinterpret_cast<const char*>(e + 5), len - 5);
        rr.has_name = true;
        if (rr.name.size() > kMaxNameBytes)
          return Status::LimitExceeded("Rock Ridge name longer than " + std::to_string(kMaxNameBytes) + " bytes");
      }
    } else if (sig("PX") && len >= 36) {
      rr.has_mode = true;
      rr.mode = Le32(e + 4);
    } else if (sig("TF") && len >= 5) {
      uint8_t flags = e[4];
      size_t stamp = (flags & 0x80) ? 17 : 7;
      size_t at = 5;
      for (int bit = 0; bit < 7; ++bit) {
        if (!(flags & (1 << bit))) continue;
        if (at + stamp > len) break;
        if (bit == 1) {  // modification
          rr.has_mtime = true;
          rr.mtime_nsec = 0;
          rr.mtime_sec = stamp == 7 ? ShortDate(e + at) : LongDate(e + at, rr.mtime_nsec);
        }
        at += stamp;
      }
    } else if (sig("SL") && len >= 5) {
      rr.has_link = true;
      size_t at = 5;
      while (at + 2 <= len) {
        uint8_t cflags = e[at];
        size_t clen = e[at + 1];
        if (at + 2 + clen > len) return Status::Corrupt("Rock Ridge symlink component overruns its entry");
        const char* data = reinterpret_cast<const char*>(e + at + 2);
        at += 2 + clen;
        if (cflags & 0x08) {  // root
          rr.link += '/';
          rr.link_separator = false;
          continue;
        }
        if (rr.link_separator) rr.link += '/';
        if (cflags & 0x02)
          rr.link += '.';
        else if (cflags & 0x04)
          rr.link += "..";
        else
          rr.link.append(data, clen);
        rr.link_separator = !(cflags & 0x01);
        if (rr.link.size() > kMaxLinkBytes)
          return Status::LimitExceeded("Rock Ridge symlink target longer than " + std::to_string(kMaxLinkBytes) +
                                       " bytes");
      }
    } else if (sig("RE")) {
      rr.relocated = true;
    } else if (sig("CL") && len >= 12) {
      rr.child_block = Le32(e + 4);
    } else if ((sig("ZF") || sig("Z2")) && len >= 16) {
      if (e[4] == 'p' && e[5] == 'z') {
        rr.zisofs = {1, e[6], e[7], Le32(e + 8)};
      } else if (e[4] == 'P' && e[5] == 'Z') {
        rr.zisofs = {2, e[6], e[7], Le32(e + 8) | static_cast<uint64_t>(Le32(e + 12)) << 32};
      } else {
        rr.unknown_compression.assign(reinterpret_cast<const char*>(e + 4), 2);
      }
    }
  }
  return Status::Ok();
}

// Reads exactly `len` bytes at `offset`; a short read is the end of the
// medium, noted so that the walk's failure is reported as a truncated image.
Status ReadExact(BlockSource& src, uint64_t offset, uint8_t* buf, size_t len, const std::string& what) {
  size_t got = 0;
  while (got < len) {
    QOIMA_ASSIGN_OR_RETURN(size_t n, src.ReadAt(offset + got, buf + got, len - got));
    if (n == 0) {
      src.NoteEndReached(offset + got);
      return Status::Corrupt(what + " extends past the end of the medium");
    }
    got += n;
  }
  return Status::Ok();
}

// Content whose View does the reading; Read copies out of it.
class ViewedContent : public FileContent {
 public:
  Result<size_t> Read(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      QOIMA_ASSIGN_OR_RETURN(auto v, View(out.size() - done));
      if (v.empty()) break;
      std::memcpy(out.data() + done, v.data(), v.size());
      done += v.size();
    }
    return done;
  }
};

// A file's data: one extent, or the sections of a multi-extent file, read in
// kIsoReadBlock pieces. Seekable and re-openable: archives on the volume
// (7z among them) are listed from a second stream.
class ExtentContent : public ViewedContent {
 public:
  ExtentContent(BlockSource& src, std::vector<Section> sections, uint64_t size, std::string path)
      : src_(src), sections_(std::move(sections)), size_(size), path_(std::move(path)) {}

  // Reads ahead up to kIsoReadBlock and hands the buffer out in `max` pieces.
  Result<std::span<const uint8_t>> View(size_t max) override {
    if (used_ == have_) {
      while (index_ < sections_.size() && within_ == sections_[index_].length) {
        ++index_;
        within_ = 0;
      }
      if (pos_ >= size_ || index_ >= sections_.size()) return std::span<const uint8_t>();
      const Section& s = sections_[index_];
      size_t n = static_cast<size_t>(std::min<uint64_t>({kIsoReadBlock, s.length - within_, size_ - pos_}));
      buf_.resize(std::max(buf_.size(), n));
      QOIMA_RETURN_IF_ERROR(ReadExact(src_, s.offset + within_, buf_.data(), n, "ISO9660 data of " + path_));
      within_ += n;
      have_ = n;
      used_ = 0;
    }
    size_t take = std::min(max, have_ - used_);
    std::span<const uint8_t> out(buf_.data() + used_, take);
    used_ += take;
    pos_ += take;
    return out;
  }

  Status Seek(uint64_t offset) override {
    if (offset > size_) return Status::InvalidArgument("seek past the end of " + path_);
    pos_ = offset;
    have_ = used_ = 0;
    index_ = 0;
    within_ = offset;
    while (index_ < sections_.size() && within_ > sections_[index_].length) within_ -= sections_[index_++].length;
    return Status::Ok();
  }

  Result<std::unique_ptr<FileContent>> Reopen() override {
    return std::unique_ptr<FileContent>(new ExtentContent(src_, sections_, size_, path_));
  }

  uint64_t Size() const override { return size_; }

 private:
  BlockSource& src_;
  std::vector<Section> sections_;
  uint64_t size_;
  std::string path_;
  size_t index_ = 0;     // section of the next read
  uint64_t within_ = 0;  // its offset inside it
  uint64_t pos_ = 0;     // the stream's position (what View hands out next)
  std::vector<uint8_t> buf_;
  size_t have_ = 0, used_ = 0;  // buf_[used_, have_) follows pos_
};

// A zisofs-compressed file (Rock Ridge "ZF", as mkzftree and xorriso write
// it): a header, a table of block offsets from the start of the data, then
// one zlib stream per block; equal neighbouring offsets mean a block of
// zeros. Version 1: a 16-byte header and 32-bit offsets; zisofs2: a 24-byte
// header naming the algorithm (1, zlib, is the one read) and 64-bit offsets.
class ZisofsContent : public ViewedContent {
 public:
  static constexpr uint8_t kMagic1[8] = {0x37, 0xE4, 0x53, 0x96, 0xC9, 0xDB, 0xD6, 0x07};
  static constexpr uint8_t kMagic2[8] = {0xEF, 0x22, 0x55, 0xA1, 0xBC, 0x1B, 0x95, 0xA0};
  static constexpr uint8_t kZlib = 1;

  ZisofsContent(BlockSource& src, Section raw, ZisofsFormat format, std::string path)
      : src_(src), raw_(raw), format_(format), path_(std::move(path)) {}

  Result<std::span<const uint8_t>> View(size_t max) override {
    if (pos_ >= format_.size) return std::span<const uint8_t>();
    QOIMA_RETURN_IF_ERROR(LoadBlock(pos_ >> format_.block_log2));
    uint64_t in_block = pos_ - (block_ << format_.block_log2);
    size_t n = static_cast<size_t>(std::min<uint64_t>(max, out_.size() - in_block));
    pos_ += n;
    return std::span<const uint8_t>(out_.data() + in_block, n);
  }

  Status Seek(uint64_t offset) override {
    if (offset > format_.size) return Status::InvalidArgument("seek past the end of " + path_);
    pos_ = offset;
    return Status::Ok();
  }

  Result<std::unique_ptr<FileContent>> Reopen() override {
    return std::unique_ptr<FileContent>(new ZisofsContent(src_, raw_, format_, path_));
  }

  uint64_t Size() const override { return format_.size; }

 private:
  Status Corrupt(const std::string& why) const { return Status::Corrupt("zisofs data of " + path_ + ": " + why); }
  size_t OffsetBytes() const { return format_.version == 2 ? 8 : 4; }
  uint64_t Offset(const uint8_t* p) const {
    return format_.version == 2 ? Le32(p) | static_cast<uint64_t>(Le32(p + 4)) << 32 : Le32(p);
  }

  Status CheckHeader() {
    const bool v2 = format_.version == 2;
    if (format_.block_log2 < 15 || format_.block_log2 > (v2 ? 20 : 17))
      return Corrupt("block size 2^" + std::to_string(format_.block_log2));
    uint8_t h[24];
    const size_t header = v2 ? 24 : 16;
    if (raw_.length < header) return Corrupt("shorter than its header");
    QOIMA_RETURN_IF_ERROR(ReadExact(src_, raw_.offset, h, header, "zisofs header of " + path_));
    if (std::memcmp(h, v2 ? kMagic2 : kMagic1, 8) != 0) return Corrupt("no zisofs header");
    uint64_t size = v2 ? Offset(h + 12) : Le32(h + 8);
    if (size != format_.size) return Corrupt("header and Rock Ridge disagree on the size");
    if (v2 && h[10] != kZlib)
      return Status::Unsupported("zisofs2 data of " + path_ + ": compression algorithm " + std::to_string(h[10]) +
                                 " (only 1, zlib, is read)");
    header_checked_ = true;
    return Status::Ok();
  }

  Status LoadBlock(uint64_t block) {
    if (loaded_ && block == block_) return Status::Ok();
    if (!header_checked_) QOIMA_RETURN_IF_ERROR(CheckHeader());
    const uint64_t block_bytes = 1ull << format_.block_log2;
    const size_t width = OffsetBytes();
    uint64_t table = static_cast<uint64_t>(format_.header_words) * 4 + block * width;
    if (table + 2 * width > raw_.length) return Corrupt("block table runs past the data");
    uint8_t ptr[16];
    QOIMA_RETURN_IF_ERROR(ReadExact(src_, raw_.offset + table, ptr, 2 * width, "zisofs block table of " + path_));
    uint64_t from = Offset(ptr), to = Offset(ptr + width);
    if (to < from || to > raw_.length) return Corrupt("block " + std::to_string(block) + " lies outside the data");
    uint64_t expect = std::min<uint64_t>(block_bytes, format_.size - (block << format_.block_log2));
    out_.assign(static_cast<size_t>(expect), 0);
    if (to > from) {
      if (to - from > block_bytes + block_bytes / 2 + 1024)
        return Corrupt("block " + std::to_string(block) + " is larger compressed than its content");
      in_.resize(static_cast<size_t>(to - from));
      QOIMA_RETURN_IF_ERROR(ReadExact(src_, raw_.offset + from, in_.data(), in_.size(), "zisofs data of " + path_));
      uLongf made = static_cast<uLongf>(out_.size());
      int z = uncompress(out_.data(), &made, in_.data(), static_cast<uLong>(in_.size()));
      if (z != Z_OK || made != out_.size())
        return Corrupt("block " + std::to_string(block) + " does not inflate to " + std::to_string(expect) + " bytes");
    }
    block_ = block;
    loaded_ = true;
    return Status::Ok();
  }

  BlockSource& src_;
  Section raw_;
  ZisofsFormat format_;
  std::string path_;
  bool header_checked_ = false;
  bool loaded_ = false;
  uint64_t block_ = 0;
  uint64_t pos_ = 0;
  std::vector<uint8_t> in_, out_;
};

enum class Names { kRockRidge, kJoliet, kIso9660 };

// One directory record, decoded.
struct Record {
  std::string name;
  uint8_t flags = 0;
  uint64_t offset = 0;  // its data (after any extended attribute record)
  uint64_t length = 0;
  int64_t mtime_sec = 0;
  uint32_t mtime_nsec = 0;
  RockRidge rr;
};

class IsoWalker {
 public:
  IsoWalker(BlockSource& src, EntryEmitter& em, Names names, uint8_t susp_skip)
      : src_(src), em_(em), names_(names), susp_skip_(susp_skip) {}

  Status WalkRoot(uint64_t offset, uint64_t length) { return Walk(offset, length, "", 0); }

 private:
  Status Fail(const Status& st, const std::string& path) {
    if (em_.fatal()) return st;
    ProblemClass cls = st.code() == Code::kLimitExceeded ? ProblemClass::kLimitExceeded
                       : st.code() == Code::kUnsupported ? ProblemClass::kUnsupportedFilesystem
                                                         : ProblemClass::kCorruptFilesystem;
    return em_.FailWalk(st, cls, path);
  }

  // Emits an entry, after the deferred header of a Rock Ridge relocation
  // directory once it turns out to hold something of its own.
  Status EmitEntry(EntryHeader h, FileContent* content) {
    if (deferred_) {
      EntryHeader d = std::move(*deferred_);
      deferred_.reset();
      QOIMA_RETURN_IF_ERROR(em_.Emit(std::move(d), nullptr));
    }
    return em_.Emit(std::move(h), content);
  }

  Status Walk(uint64_t offset, uint64_t length, const std::string& prefix, uint32_t depth) {
    if (depth > em_.limits().max_depth) {
      QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kLimitExceeded,
                                        "directory nesting deeper than " + std::to_string(em_.limits().max_depth),
                                        prefix, -1));
      return Status::LimitExceeded("depth");
    }
    if (std::find(ancestors_.begin(), ancestors_.end(), offset) != ancestors_.end())
      return Fail(Status::Corrupt("ISO9660 directory " + prefix + " contains itself (a loop at offset " +
                                  std::to_string(offset) + ")"),
                  prefix);
    ancestors_.push_back(offset);
    Status st = WalkRecords(offset, length, prefix, depth);
    ancestors_.pop_back();
    return st;
  }

  Status WalkRecords(uint64_t offset, uint64_t length, const std::string& prefix, uint32_t depth) {
    const std::string shown = prefix.empty() ? "/" : prefix;
    std::vector<uint8_t> buf(kDirBufferBlocks * kBlock);
    uint64_t blocks = (length + kBlock - 1) / kBlock;
    size_t count = 0;
    std::optional<Record> first_section;
    std::vector<Section> sections;
    auto unfinished = [&] {
      return Fail(Status::Corrupt("ISO9660 directory " + shown + ": file " + first_section->name +
                                  " ends without its last section"),
                  prefix);
    };
    for (uint64_t b = 0; b < blocks; b += kDirBufferBlocks) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kDirBufferBlocks, blocks - b));
      Status rd = ReadExact(src_, offset + b * kBlock, buf.data(), n * kBlock, "ISO9660 directory " + shown);
      if (!rd.ok()) return Fail(rd, prefix);
      for (size_t k = 0; k < n; ++k) {
        const uint8_t* blk = buf.data() + k * kBlock;
        for (size_t at = 0; at < kBlock;) {
          size_t len = blk[at];
          if (len == 0) break;  // the rest of the block is padding
          uint64_t where = offset + (b + k) * kBlock + at;
          if (len < kMinRecordBytes || at + len > kBlock || 33u + blk[at + 32] > len)
            return Fail(Status::Corrupt("ISO9660 directory " + shown + ": record at offset " + std::to_string(where) +
                                        " is malformed (" + std::to_string(len) + " bytes)"),
                        prefix);
          std::span<const uint8_t> rec(blk + at, len);
          at += len;
          if (rec[32] == 1 && (rec[33] == 0 || rec[33] == 1)) continue;  // "." and ".."
          if (++count > kMaxDirEntries) {
            QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kLimitExceeded, "directory too large", prefix, -1));
            return Status::LimitExceeded("directory size");
          }
          Record r;
          Status ps = Decode(rec, r);
          if (!ps.ok())
            return Fail(Status(ps.code(), "ISO9660 directory " + shown + ", record at offset " + std::to_string(where) +
                                              ": " + ps.message()),
                        prefix);
          if (r.flags & kFlagAssociated) continue;
          if (r.flags & kFlagMultiExtent) {
            if (r.flags & kFlagDirectory)
              return Fail(Status::Corrupt("ISO9660 directory " + shown + ": directory " + r.name + " in sections"),
                          prefix);
            if (first_section && first_section->name != r.name) return unfinished();
            if (sections.size() >= kMaxFileSections) {
              QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kLimitExceeded,
                                                "file in more than " + std::to_string(kMaxFileSections) + " sections",
                                                Join(prefix, r.name), -1));
              return Status::LimitExceeded("sections");
            }
            sections.push_back({r.offset, r.length});
            if (!first_section) first_section = std::move(r);
            continue;
          }
          if (first_section) {
            if (first_section->name != r.name) return unfinished();
            sections.push_back({r.offset, r.length});
            Record head = std::move(*first_section);
            first_section.reset();
            QOIMA_RETURN_IF_ERROR(Visit(head, std::move(sections), prefix, depth));
            sections.clear();
            continue;
          }
          std::vector<Section> one{{r.offset, r.length}};
          QOIMA_RETURN_IF_ERROR(Visit(r, std::move(one), prefix, depth));
        }
      }
    }
    if (first_section) return unfinished();
    return Status::Ok();
  }

  static std::string Join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "/" + name;
  }

  Status Decode(std::span<const uint8_t> rec, Record& r) {
    const uint8_t* p = rec.data();
    r.flags = p[25];
    if (p[26] != 0 || p[27] != 0) return Status::Unsupported("interleaved files are not supported");
    r.offset = ExtentOffset(p);
    r.length = Le32(p + 10);
    r.mtime_sec = ShortDate(p + 18);
    size_t id_len = p[32];
    const uint8_t* id = p + 33;
    if (names_ == Names::kJoliet) {
      if (id_len % 2 != 0) return Status::Corrupt("Joliet name of odd length " + std::to_string(id_len));
      r.name = FromUcs2(id, id_len);
      CutVersion(r.name);
    } else {
      r.name.assign(reinterpret_cast<const char*>(id), id_len);
      CutVersion(r.name);
      if (!(r.flags & kFlagDirectory) && r.name.size() > 1 && r.name.back() == '.') r.name.pop_back();
    }
    if (names_ == Names::kRockRidge) {
      size_t su = 33 + id_len + (id_len % 2 == 0 ? 1 : 0) + susp_skip_;
      if (su < rec.size()) QOIMA_RETURN_IF_ERROR(ReadSystemUse(rec.subspan(su), r.rr));
      if (r.rr.has_name) r.name = r.rr.name;
      if (r.rr.has_mtime) {
        r.mtime_sec = r.rr.mtime_sec;
        r.mtime_nsec = r.rr.mtime_nsec;
      }
    }
    if (r.name.empty()) return Status::Corrupt("an entry without a name");
    return Status::Ok();
  }

  Status ReadSystemUse(std::span<const uint8_t> area, RockRidge& rr) {
    std::optional<Continuation> next;
    QOIMA_RETURN_IF_ERROR(ParseSystemUse(area, rr, next));
    size_t total = 0;
    for (int hops = 0; next; ++hops) {
      if (hops >= kMaxContinuationAreas)
        return Status::LimitExceeded("more than " + std::to_string(kMaxContinuationAreas) +
                                     " Rock Ridge continuation areas");
      total += next->length;
      if (total > kMaxContinuationBytes)
        return Status::LimitExceeded("Rock Ridge continuation areas larger than " +
                                     std::to_string(kMaxContinuationBytes) + " bytes");
      Continuation c = *next;
      next.reset();
      cont_.resize(c.length);
      QOIMA_RETURN_IF_ERROR(ReadExact(src_, c.offset, cont_.data(), cont_.size(), "Rock Ridge continuation area"));
      QOIMA_RETURN_IF_ERROR(ParseSystemUse(cont_, rr, next));
    }
    return Status::Ok();
  }

  // A relocated directory's size is its own "." record's.
  Result<uint64_t> RelocatedLength(uint64_t offset, const std::string& path) {
    uint8_t dot[kMinRecordBytes];
    QOIMA_RETURN_IF_ERROR(ReadExact(src_, offset, dot, sizeof dot, "relocated directory " + path));
    if (dot[0] < kMinRecordBytes || dot[32] != 1 || dot[33] != 0 || !(dot[25] & kFlagDirectory))
      return Status::Corrupt("Rock Ridge relocation of " + path + " does not point at a directory");
    return static_cast<uint64_t>(Le32(dot + 10));
  }

  Status Visit(Record& r, std::vector<Section> sections, const std::string& prefix, uint32_t depth) {
    std::string path = Join(prefix, r.name);
    if (r.rr.relocated) return Status::Ok();  // shown where its CL placeholder stands
    if (r.name.find('/') != std::string::npos || r.name.find('\0') != std::string::npos) {
      // Not emitted: a '/' would read as a path separator. The diff shows it missing.
      std::string shown = r.name;
      std::replace(shown.begin(), shown.end(), '/', '_');
      std::replace(shown.begin(), shown.end(), '\0', '_');
      return em_.Problem(ProblemClass::kUnsafeName, "a name holds '/' or NUL; the entry is not read",
                         Join(prefix, shown), -1);
    }
    EntryHeader h;
    h.raw_path = path;
    h.mtime_sec = r.mtime_sec;
    h.mtime_nsec = r.mtime_nsec;
    bool is_dir = (r.flags & kFlagDirectory) != 0;
    uint64_t dir_offset = r.offset;
    uint64_t dir_length = r.length;
    if (r.rr.child_block) {
      is_dir = true;
      dir_offset = static_cast<uint64_t>(*r.rr.child_block) * kBlock;
      auto len = RelocatedLength(dir_offset, path);
      if (!len.ok()) return Fail(len.status(), path);
      dir_length = *len;
    }
    uint32_t mode = r.rr.has_mode ? r.rr.mode : (is_dir ? 040555u : 0100444u);
    h.mode = mode & 07777;
    if (is_dir) {
      h.type = EntryType::kDirectory;
      if (depth == 0 && names_ == Names::kRockRidge && !r.rr.child_block &&
          (r.name == "rr_moved" || r.name == ".rr_moved")) {
        // Where mkisofs puts relocated directories: shown only if it holds
        // something that is not shown elsewhere.
        deferred_ = std::move(h);
        Status st = Walk(dir_offset, dir_length, path, depth + 1);
        deferred_.reset();
        return st;
      }
      QOIMA_RETURN_IF_ERROR(EmitEntry(std::move(h), nullptr));
      return Walk(dir_offset, dir_length, path, depth + 1);
    }
    switch (mode & 0170000) {
      case 0120000:
        h.type = EntryType::kSymlink;
        h.link_target = r.rr.link;
        return EmitEntry(std::move(h), nullptr);
      case 0020000:
      case 0060000:
      case 0010000:
      case 0140000: h.type = EntryType::kDevice; return EmitEntry(std::move(h), nullptr);
      default: break;
    }
    h.type = EntryType::kFile;
    uint64_t stored = 0;
    for (const Section& s : sections) stored += s.length;
    if (!r.rr.unknown_compression.empty())
      return Fail(Status::Unsupported("file " + path + " is compressed with Rock Ridge algorithm '" +
                                      r.rr.unknown_compression + "', which the reader does not inflate"),
                  path);
    h.size = r.rr.zisofs.version != 0 ? r.rr.zisofs.size : stored;
    file_bytes_ += h.size;
    if (file_bytes_ > kMaxAmplification * src_.size() + kAmplificationAllowance) {
      QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kLimitExceeded,
                                        "the files on this ISO9660 volume add up to more than " +
                                            std::to_string(kMaxAmplification) + " times the medium's size",
                                        path, -1));
      return Status::LimitExceeded("volume amplification");
    }
    if (r.rr.zisofs.version != 0) {
      if (sections.size() != 1)
        return Fail(
            Status::Corrupt("zisofs file " + path + " stored in " + std::to_string(sections.size()) + " sections"),
            path);
      ZisofsContent content(src_, sections[0], r.rr.zisofs, path);
      return EmitEntry(std::move(h), &content);
    }
    ExtentContent content(src_, std::move(sections), h.size, path);
    return EmitEntry(std::move(h), &content);
  }

  BlockSource& src_;
  EntryEmitter& em_;
  Names names_;
  uint8_t susp_skip_;
  std::vector<uint64_t> ancestors_;  // directories being walked, by offset
  std::optional<EntryHeader> deferred_;
  std::vector<uint8_t> cont_;
  uint64_t file_bytes_ = 0;
};

struct Volume {
  uint64_t root_offset = 0;
  uint64_t root_length = 0;
  Names names = Names::kIso9660;
  uint8_t susp_skip = 0;
};

Result<Volume> FindVolume(BlockSource& src) {
  std::vector<uint8_t> d(kBlock);
  std::optional<std::vector<uint8_t>> primary_root, joliet_root;
  for (int i = 0; i < kMaxDescriptors; ++i) {
    QOIMA_RETURN_IF_ERROR(
        ReadExact(src, (kFirstDescriptor + i) * kBlock, d.data(), d.size(), "ISO9660 volume descriptor set"));
    if (std::memcmp(d.data() + 1, "CD001", 5) != 0) {
      if (i == 0) return Status::Corrupt("ISO9660: no volume descriptor at block 16");
      break;  // the set ended without a terminator
    }
    uint8_t type = d[0];
    if (type == 255) break;
    if (type == 1 && !primary_root) {
      if (Le16(d.data() + 128) != kBlock)
        return Status::Unsupported("ISO9660: logical block size " + std::to_string(Le16(d.data() + 128)));
      primary_root.emplace(d.begin() + 156, d.begin() + 156 + kMinRecordBytes);
    }
    if (type == 2 && !joliet_root && d[88] == '%' && d[89] == '/' && (d[90] == '@' || d[90] == 'C' || d[90] == 'E'))
      joliet_root.emplace(d.begin() + 156, d.begin() + 156 + kMinRecordBytes);
  }
  if (!primary_root) return Status::Corrupt("ISO9660: no primary volume descriptor");
  Volume v;
  v.root_offset = ExtentOffset(primary_root->data());
  v.root_length = Le32(primary_root->data() + 10);
  // Rock Ridge: the root's "." record begins its System Use area with "SP".
  uint8_t dot[255];
  QOIMA_RETURN_IF_ERROR(ReadExact(src, v.root_offset, dot, 1, "ISO9660 root directory"));
  size_t dot_len = dot[0];
  if (dot_len >= kMinRecordBytes) {
    QOIMA_RETURN_IF_ERROR(ReadExact(src, v.root_offset, dot, dot_len, "ISO9660 root directory"));
    RockRidge rr;
    std::optional<Continuation> ignored;
    if (ParseSystemUse(std::span<const uint8_t>(dot + kMinRecordBytes, dot_len - kMinRecordBytes), rr, ignored).ok() &&
        rr.sp) {
      v.names = Names::kRockRidge;
      v.susp_skip = rr.sp_skip;
      return v;
    }
  }
  if (joliet_root) {
    v.names = Names::kJoliet;
    v.root_offset = ExtentOffset(joliet_root->data());
    v.root_length = Le32(joliet_root->data() + 10);
  }
  return v;
}

}  // namespace

Status ReadIso(BlockSource& src, EntryEmitter& em) {
  auto v = FindVolume(src);
  if (!v.ok()) return em.FailWalk(v.status(), ProblemClass::kCorruptFilesystem, {});
  return IsoWalker(src, em, v->names, v->susp_skip).WalkRoot(v->root_offset, v->root_length);
}

}  // namespace qoima::hardware
