#include <iostream>

// Хранилище: точка входа.
int main() {
  std::cout << "qoima acts corpus\n";
  return 0;
}
