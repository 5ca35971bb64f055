# The appliance's Debian package: what the image installs (scripts/image).
#   cmake --preset package && cmake --build --preset package && cpack --config build/package/CPackConfig.cmake
# Binaries and catalogues are installed by their folders' CMakeLists; this file
# adds the operating-system integration from image/package/ and the DEB
# metadata. Paths follow Debian 12 (merged /usr; units in /lib/systemd/system).
set(QOIMA_PKG_DIR ${PROJECT_SOURCE_DIR}/image/package)

install(FILES ${QOIMA_PKG_DIR}/systemd/qoima-kiosk.service ${QOIMA_PKG_DIR}/systemd/qoima-provision.service
        DESTINATION lib/systemd/system)
install(FILES ${QOIMA_PKG_DIR}/sysusers.d/qoima.conf DESTINATION lib/sysusers.d)
install(FILES ${QOIMA_PKG_DIR}/tmpfiles.d/qoima.conf DESTINATION lib/tmpfiles.d)
install(FILES ${QOIMA_PKG_DIR}/udev/70-qoima.rules DESTINATION lib/udev/rules.d)
install(PROGRAMS ${QOIMA_PKG_DIR}/qoima-provision DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/qoima)
# The man pages (qoima.1 from the command table; the section 5 and 8 pages
# from docs/) are generated and installed by cli/CMakeLists.txt.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME qoima)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "qoima appliance team <qoima@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "qoima: offline intake appliance for the e-government source code repository")
set(CPACK_PACKAGE_DESCRIPTION
    "Reads depositors' CDs, DVDs and USB sticks in a sandbox, checks them against the acceptance act, seals the content with TPM-bound keys and keeps a tamper-evident audit log. Includes the qoima CLI, the qoima-kiosk counter application on tty1 and its systemd units.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Run-time tools the binaries call (CUPS client for printing, fonts for the PDF
# acts); systemd for sysusers/tmpfiles in the maintainer script.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, cups-client, fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${QOIMA_PKG_DIR}/debian/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
