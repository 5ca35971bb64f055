#include "appliance/intake_assessment.h"

namespace qoima::appliance {

std::string_view RefusalReasonName(RefusalReason r) {
  switch (r) {
    case RefusalReason::kNotInRegister: return "not_in_register";
    case RefusalReason::kActMismatch: return "act_mismatch";
    case RefusalReason::kMediaMalfunction: return "media_malfunction";
  }
  return "?";
}

std::optional<RefusalReason> ParseRefusalReason(std::string_view s) {
  for (auto r : {RefusalReason::kNotInRegister, RefusalReason::kActMismatch, RefusalReason::kMediaMalfunction})
    if (RefusalReasonName(r) == s || std::to_string(static_cast<int>(r)) == s) return r;
  return std::nullopt;
}

std::string RefusalKey(RefusalReason r) { return "practice:refusal-" + std::to_string(static_cast<int>(r)); }

std::string RefusalBasis(RefusalReason r) {
  return "operator's practice, based on the former 146/НҚ cl.16(" + std::to_string(static_cast<int>(r)) + ")";
}

std::string ShownReasonText(std::string_view stored) {
  std::string out(stored);
  for (auto r : {RefusalReason::kNotInRegister, RefusalReason::kActMismatch, RefusalReason::kMediaMalfunction}) {
    const std::string key = RefusalKey(r), shown = "(" + RefusalBasis(r) + ")";
    for (size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + shown.size()))
      out.replace(at, key.size(), shown);
  }
  return out;
}

std::string StoredKeyMap::Current(std::string_view stored) const {
  std::string out(stored);
  for (const auto& [older, current] : older_to_current) {
    if (older.empty()) continue;
    for (size_t at = out.find(older); at != std::string::npos; at = out.find(older, at + current.size()))
      out.replace(at, older.size(), current);
  }
  return out;
}

std::string_view RefusalText(RefusalReason r) {
  switch (r) {
    case RefusalReason::kNotInRegister:
      return "Бағдарламалық қамтамасыз ету Тізілімде жоқ / ПО отсутствует в Реестре / the software is not in the "
             "Register";
    case RefusalReason::kActMismatch:
      return "Актіде көрсетілген мәліметтер жеткізгіштегі ақпаратқа сәйкес келмейді / сведения акта не соответствуют "
             "информации на носителе / the act does not match the media";
    case RefusalReason::kMediaMalfunction:
      return "Электрондық жеткізгіштің ақауы / неисправность электронного носителя / the medium does not work";
  }
  return "";
}

std::string_view NdaMissingBlocker() {
  return "екі тарап қол қойған құпиялылық және ақпаратты жария етпеу туралы келісім (оператордың нысаны, бұрынғы "
         "4-қосымша негізінде) тіркелмеген / не записано соглашение о конфиденциальности и неразглашении "
         "(форма оператора на основе бывшего приложения 4), подписанное обеими сторонами / no non-disclosure "
         "agreement (the operator's form based on the former Annex 4) signed by both parties is recorded";
}

Status NdaMissingRefusal(std::string_view portal_code) {
  const std::string code(portal_code);
  return Status::FailedPrecondition(
      "«" + code +
      "» өтінімі бойынша қабылдау мүмкін емес: екі тарап қол қойған құпиялылық және ақпаратты жария етпеу туралы "
      "келісім (оператордың нысаны, бұрынғы 4-қосымша негізінде) тіркелмеген; алдымен оны тіркеңіз (qoima "
      "application nda " +
      code + ") / по заявке «" + code +
      "» принять нельзя: не записано соглашение о конфиденциальности и неразглашении (форма оператора на основе "
      "бывшего приложения 4), подписанное обеими сторонами; сначала запишите его (qoima application nda " +
      code + ") / cannot accept for application '" + code +
      "': no non-disclosure agreement (the operator's form based on the former Annex 4) signed by both parties is "
      "recorded; record it first (qoima application nda " +
      code + ")");
}

Assessment AssessIntake(const IntakeFacts& f) {
  Assessment a;
  if (f.track == Track::kRegister) {
    if (!f.in_register.has_value())
      a.blockers.push_back("register track: check the software against the trusted register first");
    else if (!*f.in_register)
      a.grounds.push_back({RefusalReason::kNotInRegister, "the software was not found in the trusted register"});
  }
  if (!f.nda_signed_by_both) a.blockers.push_back(std::string(NdaMissingBlocker()));
  if (f.media.empty()) a.blockers.push_back("no medium has been read yet");
  std::string mismatch, malfunction;
  for (const auto& m : f.media) {
    std::string who = "disc '" + m.disc + "' (" + m.copy_label + ")";
    const DiffReport& d = m.diff;
    size_t unreadable = d.Count(DiffKind::kUnreadable);
    if (unreadable || !d.medium_problems.empty()) {
      if (!malfunction.empty()) malfunction += "; ";
      malfunction += who + ": ";
      if (unreadable) malfunction += std::to_string(unreadable) + " unreadable file(s)";
      for (const auto& p : d.medium_problems) malfunction += (unreadable ? ", " : "") + p;
    }
    size_t differ = 0;
    for (auto k : {DiffKind::kMissing, DiffKind::kExtra, DiffKind::kSizeMismatch, DiffKind::kHashMismatch,
                   DiffKind::kDateMismatch, DiffKind::kNameCollision})
      differ += d.Count(k);
    if (differ || !d.looks_like_disc.empty()) {
      if (!mismatch.empty()) mismatch += "; ";
      mismatch += who + ": " + d.Summary();
      if (!d.looks_like_disc.empty()) mismatch += " (the medium looks like disc '" + d.looks_like_disc + "')";
    }
  }
  if (!mismatch.empty()) a.grounds.push_back({RefusalReason::kActMismatch, mismatch});
  if (!malfunction.empty()) a.grounds.push_back({RefusalReason::kMediaMalfunction, malfunction});
  for (const auto& disc : f.act_discs) {
    bool read = false;
    for (const auto& m : f.media) read = read || m.disc == disc;
    if (!read) a.blockers.push_back("disc '" + disc + "' of the act has not been read");
  }
  return a;
}

Status CheckAccept(const Assessment& a) {
  if (a.Acceptable()) return Status::Ok();
  std::string m = "cannot accept:";
  for (const auto& g : a.grounds) m += " [" + RefusalBasis(g.reason) + "] " + g.evidence + ".";
  for (const auto& b : a.blockers) m += " " + b + ".";
  return Status::FailedPrecondition(m);
}

Status CheckRefuse(const Assessment& a, const std::vector<RefusalReason>& reasons) {
  if (reasons.empty()) return Status::InvalidArgument("a refusal must give at least one clause 16 reason");
  for (auto r : reasons) {
    bool supported = false;
    for (const auto& g : a.grounds) supported = supported || g.reason == r;
    if (!supported)
      return Status::FailedPrecondition(
          "reason " + std::string(RefusalReasonName(r)) + " (" + RefusalBasis(r) +
          ") is not supported by the verification: " +
          (a.grounds.empty() ? std::string("every check passed")
                             : "the evidence supports only " + std::string(RefusalReasonName(a.grounds[0].reason))));
  }
  return Status::Ok();
}

}  // namespace qoima::appliance
