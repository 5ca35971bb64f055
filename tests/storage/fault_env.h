// FaultEnv: an EnvWrapper that fails one chosen call with a chosen errno, to
// test that the store fails cleanly (leveldb's fault-injection pattern).
// The Nth call (1-based) of the chosen kind fails; later calls pass.
#pragma once

#include <cerrno>
#include <memory>
#include <string>

#include "storage/env.h"

namespace qoima::testing {

class FaultEnv : public storage::EnvWrapper {
 public:
  enum class Op { kNone, kAppend, kSync, kClose, kRename, kSyncDir, kCreate, kSyncFs };

  explicit FaultEnv(storage::Env& target) : EnvWrapper(target) {}

  /// Arms the fault: the `nth` call of `op` fails with `err`.
  void Arm(Op op, int nth, int err) {
    op_ = op;
    nth_ = nth;
    err_ = err;
    count_ = 0;
    fired_ = false;
  }
  void Disarm() { op_ = Op::kNone; }
  bool fired() const { return fired_; }

  /// Counts a call of `op`; returns the injected error when it is the chosen one.
  Status Hit(Op op, const std::string& what) {
    if (op != op_ || fired_) return Status::Ok();
    if (++count_ != nth_) return Status::Ok();
    fired_ = true;
    return Status::FromErrno(err_, "injected fault: " + what);
  }

  Result<std::unique_ptr<storage::WritableFile>> NewWritableFile(const std::string& path) override {
    QOIMA_RETURN_IF_ERROR(Hit(Op::kCreate, "create " + path));
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<storage::WritableFile> f, target().NewWritableFile(path));
    return std::unique_ptr<storage::WritableFile>(new File(*this, std::move(f), path));
  }
  Status Rename(const std::string& from, const std::string& to) override {
    QOIMA_RETURN_IF_ERROR(Hit(Op::kRename, "rename " + from));
    return target().Rename(from, to);
  }
  Status SyncDir(const std::string& dir) override {
    QOIMA_RETURN_IF_ERROR(Hit(Op::kSyncDir, "fsync " + dir));
    return target().SyncDir(dir);
  }
  Result<std::unique_ptr<storage::FilesystemSync>> NewFilesystemSync(const std::string& dir) override {
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<storage::FilesystemSync> s, target().NewFilesystemSync(dir));
    return std::unique_ptr<storage::FilesystemSync>(new Barrier(*this, std::move(s), dir));
  }

 private:
  class Barrier : public storage::FilesystemSync {
   public:
    Barrier(FaultEnv& env, std::unique_ptr<storage::FilesystemSync> s, std::string dir)
        : env_(env), s_(std::move(s)), dir_(std::move(dir)) {}
    Status Sync() override {
      QOIMA_RETURN_IF_ERROR(env_.Hit(Op::kSyncFs, "syncfs " + dir_));
      return s_->Sync();
    }

   private:
    FaultEnv& env_;
    std::unique_ptr<storage::FilesystemSync> s_;
    std::string dir_;
  };
  class File : public storage::WritableFile {
   public:
    File(FaultEnv& env, std::unique_ptr<storage::WritableFile> f, std::string path)
        : env_(env), f_(std::move(f)), path_(std::move(path)) {}
    Status Append(std::span<const uint8_t> data) override {
      QOIMA_RETURN_IF_ERROR(env_.Hit(Op::kAppend, "write " + path_));
      return f_->Append(data);
    }
    Status Sync() override {
      QOIMA_RETURN_IF_ERROR(env_.Hit(Op::kSync, "fsync " + path_));
      return f_->Sync();
    }
    Status Close() override {
      Status injected = env_.Hit(Op::kClose, "close " + path_);
      Status real = f_->Close();
      return injected.ok() ? real : injected;
    }

   private:
    FaultEnv& env_;
    std::unique_ptr<storage::WritableFile> f_;
    std::string path_;
  };

  Op op_ = Op::kNone;
  int nth_ = 0;
  int err_ = 0;
  int count_ = 0;
  bool fired_ = false;
};

}  // namespace qoima::testing
