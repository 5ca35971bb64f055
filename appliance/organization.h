// A person's name and an organization's details, as applications record
// them and the printed forms show them (Annex 1's owner and developer
// blocks, signature blocks). One definition for the domain and print/.
//
// Thread-safety: plain values.
#pragma once

#include <string>

namespace qoima::appliance {

/// A person who signs or is contacted: surname, name, optional patronymic.
struct PersonName {
  std::string surname;
  std::string name;
  std::string patronymic;  // empty when the person has none
  /// "Surname Name Patronymic", each part only when present.
  std::string Full() const;
};

/// Owner or developer block of Annex 1.
struct Organization {
  std::string full_name;
  std::string subordination;  // departmental subordination
  std::string short_name;
  std::string postcode;
  std::string address;
  std::string phone;
  std::string fax;
  std::string email;
  std::string web;
  PersonName contact;
};

}  // namespace qoima::appliance
