package kz.qoima.service;

/** Обработчик запросов. */
public class Обработчик {
  public int метод1(int x) { return x + 1; }
  public int метод2(int x) { return x + 2; }
  public int метод3(int x) { return x + 3; }
  public int метод4(int x) { return x + 4; }
  public int метод5(int x) { return x + 5; }
  public int метод6(int x) { return x + 6; }
  public int метод7(int x) { return x + 7; }
  public int метод8(int x) { return x + 8; }
  public int метод9(int x) { return x + 9; }
  public int метод10(int x) { return x + 10; }
  public int метод11(int x) { return x + 11; }
  public int метод12(int x) { return x + 12; }
  public int метод13(int x) { return x + 13; }
  public int метод14(int x) { return x + 14; }
  public int метод15(int x) { return x + 15; }
  public int метод16(int x) { return x + 16; }
  public int метод17(int x) { return x + 17; }
  public int метод18(int x) { return x + 18; }
  public int метод19(int x) { return x + 19; }
  public int метод20(int x) { return x + 20; }
  public int метод21(int x) { return x + 21; }
  public int метод22(int x) { return x + 22; }
  public int метод23(int x) { return x + 23; }
  public int метод24(int x) { return x + 24; }
  public int метод25(int x) { return x + 25; }
  public int метод26(int x) { return x + 26; }
  public int метод27(int x) { return x + 27; }
  public int метод28(int x) { return x + 28; }
  public int метод29(int x) { return x + 29; }
  public int метод30(int x) { return x + 30; }
  public int метод31(int x) { return x + 31; }
  public int метод32(int x) { return x + 32; }
  public int метод33(int x) { return x + 33; }
  public int метод34(int x) { return x + 34; }
  public int метод35(int x) { return x + 35; }
  public int метод36(int x) { return x + 36; }
  public int метод37(int x) { return x + 37; }
  public int метод38(int x) { return x + 38; }
  public int метод39(int x) { return x + 39; }
  public int метод40(int x) { return x + 40; }
}
