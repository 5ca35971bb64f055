// Benchmark driver for scripts/bench.d/storage.sh (release build; not a ctest).
//   storage_bench commit N        commit of an N-file deposit, DB side (ms)
//   storage_bench audit N         audit appends: one transaction per event, and
//                                 1k events per transaction + a TPM-signed
//                                 checkpoint every 1k (events/s)
//   storage_bench lookup N        median lookup by SHA-256 among N file rows (us),
//                                 and DB bytes per file row
//   storage_bench baseline-sql N FILE   the same N-file commit as a SQL script
//                                 for the sqlcipher CLI (the baseline)
//   storage_bench verify N        a store of N objects (deposits of at most
//                                 100k files, sealed and committed as an
//                                 intake does), then Store::VerifyStore: its
//                                 time and the peak RSS while it runs
// Prints "key value" lines. The keyring runs on a swtpm.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "crypto/keyring.h"
#include "storage/migrations.h"
#include "storage/store.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::storage;
using Steady = std::chrono::steady_clock;

namespace {

double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// CPU time (user + system) of this process so far, in ms: on the shared
/// machine wall time includes waiting for other engineers' jobs.
double CpuMs() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0;
}

/// fsync-free Env for building the object side quickly: the benchmark measures the DB side.
class NoSyncEnv : public EnvWrapper {
 public:
  using EnvWrapper::EnvWrapper;
  Status SyncDir(const std::string&) override { return Status::Ok(); }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, target().NewWritableFile(path));
    return std::unique_ptr<WritableFile>(new File(std::move(f)));
  }

 private:
  class File : public WritableFile {
   public:
    explicit File(std::unique_ptr<WritableFile> f) : f_(std::move(f)) {}
    Status Append(std::span<const uint8_t> d) override { return f_->Append(d); }
    Status Sync() override { return Status::Ok(); }
    Status Close() override { return f_->Close(); }

   private:
    std::unique_ptr<WritableFile> f_;
  };
};

struct Tpm {
  testing::Swtpm tpm;
  testing::TempDir dir;
  std::unique_ptr<crypto::Keyring> keyring;
  std::unique_ptr<KeyringStoreKeys> keys;
  Tpm() {
    crypto::ProvisionOptions o;
    if (!crypto::Keyring::Provision(tpm.tcti(), dir.Sub("keys"), o).ok()) throw std::runtime_error("provision");
    keyring = std::move(crypto::Keyring::Open(tpm.tcti(), dir.Sub("keys")).value());
    keys = std::make_unique<KeyringStoreKeys>(*keyring);
  }
};

int64_t AddObject(Store& s) {
  if (!s.db()
           .Exec("INSERT INTO informatization_objects(name, track, created_at) VALUES('bench','application','t')")
           .ok())
    throw std::runtime_error("insert object");
  return s.db().LastInsertRowid();
}

std::string PathOf(int i) { return "src/module-" + std::to_string(i / 100) + "/file-" + std::to_string(i) + ".c"; }

int Commit(int n) {
  Tpm tpm;
  testing::TempDir dir;
  NoSyncEnv env(Env::Default());
  StoreOptions o;
  o.env = &env;
  o.checkpoint_after_commit = false;  // timed separately below
  auto store = std::move(Store::Create(dir.Sub("state"), *tpm.keys, o).value());
  int64_t obj = AddObject(*store);
  DepositSpec spec;
  spec.object_id = obj;
  auto pending = std::move(store->BeginDeposit(spec).value());
  auto t0 = Steady::now();
  for (int i = 0; i < n; ++i) {
    std::string p = PathOf(i);
    auto w = std::move(
        pending->AddFile({std::vector<uint8_t>(p.begin(), p.end()), p, 1700000000, "source_code", std::nullopt})
            .value());
    std::string content = "int f" + std::to_string(i) + ";\n";
    if (!w->Write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(content.data()), content.size())).ok())
      throw std::runtime_error("write");
    if (!w->Finish().ok()) throw std::runtime_error("finish");
  }
  auto t1 = Steady::now();
  double cpu0 = CpuMs();
  auto c = store->CommitDeposit(std::move(pending), Actor{"bench", "clerk"});
  double cpu1 = CpuMs();
  auto t2 = Steady::now();
  if (!c.ok()) throw std::runtime_error(c.status().ToString());
  auto t3 = Steady::now();
  if (!store->SignCheckpoint().ok()) throw std::runtime_error("checkpoint");
  auto t4 = Steady::now();
  std::cout << "checkpoint_ms " << Ms(t4 - t3) << "\n";
  std::cout << "objects_ms " << Ms(t1 - t0) << " (no fsync; not the measured part)\n";
  std::cout << "commit_ms " << Ms(t2 - t1) << "\n";
  std::cout << "commit_cpu_ms " << cpu1 - cpu0 << "\n";
  std::cout << "commit_files " << c->file_count << "\n";
  return 0;
}

int Audit(int n) {
  Tpm tpm;
  testing::TempDir dir;
  auto store = std::move(Store::Create(dir.Sub("state"), *tpm.keys).value());
  AuditLog& log = store->audit();
  AuditEvent e{"2026-11-26T05:00:00Z", "clerk1", "clerk", "file.read", "deposit:1/file:1", "success", "export"};
  // One transaction (and fsync) per event.
  int single = std::min(n, 2000);
  auto t0 = Steady::now();
  for (int i = 0; i < single; ++i) {
    e.object = "deposit:1/file:" + std::to_string(i);
    if (!log.Append(e).ok()) throw std::runtime_error("append");
  }
  auto t1 = Steady::now();
  // Group commit: 1k events per transaction, a signed checkpoint after each.
  auto t2 = Steady::now();
  double cpu0 = CpuMs();
  for (int i = 0; i < n; i += 1000) {
    auto tx = std::move(Transaction::Begin(store->db()).value());
    for (int j = i; j < std::min(n, i + 1000); ++j) {
      e.object = "deposit:2/file:" + std::to_string(j);
      if (!log.Append(e).ok()) throw std::runtime_error("append");
    }
    if (!tx.Commit().ok()) throw std::runtime_error("commit");
    if (!store->SignCheckpoint().ok()) throw std::runtime_error("checkpoint");
  }
  auto t3 = Steady::now();
  double cpu1 = CpuMs();
  std::cout << "batched_cpu_eps " << n / ((cpu1 - cpu0) / 1000) << "\n";
  std::cout << "single_eps " << single / (Ms(t1 - t0) / 1000) << "\n";
  std::cout << "batched_eps " << n / (Ms(t3 - t2) / 1000) << "\n";
  auto t4 = Steady::now();
  auto v = log.Verify();
  auto t5 = Steady::now();
  if (!v.ok() || !v->ok()) throw std::runtime_error("verify");
  std::cout << "verify_eps " << v->entries / (Ms(t5 - t4) / 1000) << "\n";
  return 0;
}

int Lookup(int n) {
  Tpm tpm;
  testing::TempDir dir;
  auto store = std::move(Store::Create(dir.Sub("state"), *tpm.keys).value());
  Database& db = store->db();
  int64_t obj = AddObject(*store);
  // Rows written directly (the bench needs 1M rows, not 1M sealed files).
  std::vector<crypto::Sha256Digest> hashes;
  hashes.reserve(n);
  const int per_deposit = 100000;
  auto tx = std::move(Transaction::Begin(db).value());
  auto dep = std::move(db.Prepare("INSERT INTO deposits(object_id, version_no, tier, state, wrapped_key, created_at, "
                                  "token) VALUES(?,?,'temporary','committed',x'00',?,?)")
                           .value());
  auto ob = std::move(
      db.Prepare("INSERT INTO objects(deposit_id, name, plain_size, sealed_size, sha256) VALUES(?,?,?,?,?)").value());
  auto fi = std::move(db.Prepare("INSERT INTO files(deposit_id, path, display_path, size, mtime, sha256, category, "
                                 "object_id) VALUES(?,?,?,?,?,?,'source_code',?)")
                          .value());
  int64_t deposit = 0;
  for (int i = 0; i < n; ++i) {
    if (i % per_deposit == 0) {
      if (!dep.Bind(1, obj).Bind(2, int64_t(i / per_deposit + 1)).Bind(3, "t").Bind(4, std::to_string(i)).Run().ok())
        throw std::runtime_error("deposit");
      deposit = db.LastInsertRowid();
    }
    std::string p = PathOf(i);
    crypto::Sha256Digest h = crypto::Sha256::Digest(p);
    hashes.push_back(h);
    std::string name = crypto::Hex(crypto::Sha256::Digest("name" + p));
    if (!ob.Bind(1, deposit).Bind(2, name).Bind(3, int64_t(1000)).Bind(4, int64_t(1056)).BindBlob(5, h).Run().ok())
      throw std::runtime_error("object");
    int64_t oid = db.LastInsertRowid();
    if (!fi.Bind(1, deposit)
             .BindBlob(2, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(p.data()), p.size()))
             .Bind(3, p)
             .Bind(4, int64_t(1000))
             .Bind(5, int64_t(1700000000))
             .BindBlob(6, h)
             .Bind(7, oid)
             .Run()
             .ok())
      throw std::runtime_error("file");
  }
  // The digests as a commit writes them (schema 14), in SHA-256 order.
  if (!db.Exec("INSERT INTO file_digests(sha256, file_id) SELECT sha256, id FROM files ORDER BY sha256, id;").ok())
    throw std::runtime_error("file digests");
  if (!tx.Commit().ok()) throw std::runtime_error("commit");
  if (!db.Exec("PRAGMA wal_checkpoint(TRUNCATE);").ok()) throw std::runtime_error("checkpoint");
  std::mt19937 rng(1);
  std::vector<double> us;
  for (int i = 0; i < 2000; ++i) {
    const auto& h = hashes[rng() % hashes.size()];
    auto t0 = Steady::now();
    auto r = store->FindFilesBySha256(h);
    auto t1 = Steady::now();
    if (!r.ok() || r->size() != 1) throw std::runtime_error("lookup");
    us.push_back(Ms(t1 - t0) * 1000);
  }
  std::sort(us.begin(), us.end());
  struct stat st {};
  ::stat(dir.Sub("state/meta.db").c_str(), &st);
  std::cout << "lookup_median_us " << us[us.size() / 2] << "\n";
  std::cout << "lookup_p99_us " << us[us.size() * 99 / 100] << "\n";
  std::cout << "rows " << n << "\n";
  std::cout << "db_bytes " << st.st_size << "\n";
  std::cout << "bytes_per_file_row " << static_cast<double>(st.st_size) / n << " (files + objects rows + indexes)\n";
  return 0;
}

int BaselineSql(int n, const std::string& out_path) {
  std::ofstream out(out_path);
  out << "PRAGMA key = \"x'" << std::string(64, '1') << "'\";\nPRAGMA cipher_page_size = 4096;\n"
      << "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = FULL;\nPRAGMA foreign_keys = ON;\n";
  for (const Migration& m : AllMigrations()) out << m.sql << "\n";
  out << "INSERT INTO informatization_objects(id, name, track, created_at) VALUES(1,'bench','application','t');\n"
      << "INSERT INTO deposits(id, object_id, version_no, tier, state, wrapped_key, created_at, token) "
         "VALUES(1,1,1,'temporary','committed',x'00','t','tok');\n"
      << "BEGIN;\n";
  for (int i = 0; i < n; ++i) {
    std::string p = PathOf(i);
    std::string h = crypto::Hex(crypto::Sha256::Digest(p));
    std::string name = crypto::Hex(crypto::Sha256::Digest("name" + p));
    out << "INSERT INTO objects(id, deposit_id, name, plain_size, sealed_size, sha256) VALUES(" << i + 1 << ",1,'"
        << name << "',10,66,x'" << h << "');\n"
        << "INSERT INTO files(deposit_id, path, display_path, size, mtime, sha256, category, object_id) VALUES(1,x'"
        << crypto::Hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(p.data()), p.size())) << "','" << p
        << "',10,1700000000,x'" << h << "','source_code'," << i + 1 << ");\n";
  }
  out << "INSERT INTO file_digests(sha256, file_id) SELECT sha256, id FROM files ORDER BY sha256, id;\n"
      << "COMMIT;\n";
  return out.good() ? 0 : 1;
}

/// VmHWM or VmRSS of this process, in KiB.
long StatusKib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

int Verify(int n) {
  Tpm tpm;
  testing::TempDir dir;
  NoSyncEnv env(Env::Default());
  StoreOptions o;
  o.env = &env;
  o.checkpoint_after_commit = false;
  auto store = std::move(Store::Create(dir.Sub("state"), *tpm.keys, o).value());
  int64_t obj = AddObject(*store);
  auto t0 = Steady::now();
  const int per_deposit = 100000;
  for (int first = 0; first < n; first += per_deposit) {
    DepositSpec spec;
    spec.object_id = obj;
    auto pending = std::move(store->BeginDeposit(spec).value());
    for (int i = first; i < std::min(n, first + per_deposit); ++i) {
      std::string p = PathOf(i);
      auto w = std::move(
          pending->AddFile({std::vector<uint8_t>(p.begin(), p.end()), p, 1700000000, "source_code", std::nullopt})
              .value());
      std::string content = "int f" + std::to_string(i) + ";\n";
      if (!w->Write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(content.data()), content.size())).ok())
        throw std::runtime_error("write");
      if (!w->Finish().ok()) throw std::runtime_error("finish");
    }
    auto c = store->CommitDeposit(std::move(pending), Actor{"bench", "clerk"});
    if (!c.ok()) throw std::runtime_error(c.status().ToString());
  }
  auto t1 = Steady::now();
  // The peak from here on is the scrub's (writing 5 resets VmHWM).
  ::malloc_trim(0);
  long before = StatusKib("VmRSS");
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  auto t2 = Steady::now();
  auto r = store->VerifyStore();
  auto t3 = Steady::now();
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  if (!r->ok()) throw std::runtime_error("verify found problems: " + r->problems.front().message);
  std::cout << "build_ms " << Ms(t1 - t0) << "\n";
  std::cout << "verify_objects " << r->objects << "\n";
  std::cout << "verify_ms " << Ms(t3 - t2) << "\n";
  std::cout << "rss_before_kib " << before << "\n";
  std::cout << "verify_peak_kib " << StatusKib("VmHWM") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: storage_bench commit|audit|lookup|verify N | baseline-sql N FILE\n";
    return 2;
  }
  std::string mode = argv[1];
  int n = std::stoi(argv[2]);
  try {
    if (mode == "commit") return Commit(n);
    if (mode == "audit") return Audit(n);
    if (mode == "lookup") return Lookup(n);
    if (mode == "verify") return Verify(n);
    if (mode == "baseline-sql" && argc == 4) return BaselineSql(n, argv[3]);
  } catch (const std::exception& e) {
    std::cerr << "storage_bench " << mode << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
