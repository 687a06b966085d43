; Windows installer for Reception: one per-machine install of the PyInstaller one-folder build.
;
;   makensis /DVERSION=0.1.0 /DSOURCE=..\..\build\dist\reception /DOUTFILE=Reception-0.1.0-setup.exe reception.nsi
;
; * Per machine: Program Files, for all Windows accounts; needs administrator rights (UAC).
; * The desk's data (embedded database, desk.ini, logs, backups) lives in %ProgramData%\Reception,
;   shared by every Windows account on the PC (docs/decisions/installation.md). The installer creates
;   it and lets the local group Users modify it; the uninstaller never deletes it.
; * Start-menu entries for the desk program and for the self-test; an uninstaller in "Appar".
; * Silent install for a club's IT person:  Reception-0.1.0-setup.exe /S  (and /D=C:\Annan\Mapp last).

Unicode true
!include "MUI2.nsh"

!ifndef VERSION
  !error "Ange versionen: makensis /DVERSION=x.y.z ..."
!endif
!ifndef SOURCE
  !error "Ange byggmappen: makensis /DSOURCE=...\dist\reception ..."
!endif
!ifndef OUTFILE
  !define OUTFILE "Reception-${VERSION}-setup.exe"
!endif

!define APPNAME "Reception"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Reception"

Name "${APPNAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APPNAME}"
InstallDirRegKey HKLM "Software\${APPNAME}" "InstallDir"
RequestExecutionLevel admin
!ifdef NOCOMPRESS  ; for the CI check that the script compiles, not for a release
  SetCompress off
!else
  SetCompressor /SOLID lzma
!endif
!define MUI_ICON "..\..\resources\reception.ico"
!define MUI_UNICON "..\..\resources\reception.ico"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1053 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=1053 "FileDescription" "Installationsprogram för Reception"
VIAddVersionKey /LANG=1053 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1053 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1053 "CompanyName" "${APPNAME}"
VIAddVersionKey /LANG=1053 "LegalCopyright" "${APPNAME}"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Swedish"

Section "Reception" SecMain
  SectionIn RO
  SetShellVarContext all
  ; An update replaces the program folder whole, so no file of an older version is left behind.
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${SOURCE}\*"
  File "..\..\resources\reception.ico"

  ; The machine-wide data folder; Users may modify it (the desk runs as whoever is logged in).
  CreateDirectory "$APPDATA\${APPNAME}"
  nsExec::ExecToLog 'icacls "$APPDATA\${APPNAME}" /grant *S-1-5-32-545:(OI)(CI)M /T /Q'

  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortCut "$SMPROGRAMS\${APPNAME}\Reception.lnk" "$INSTDIR\reception.exe" "" "$INSTDIR\reception.ico"
  CreateShortCut "$SMPROGRAMS\${APPNAME}\Reception självtest.lnk" "$SYSDIR\cmd.exe" \
    '/k ""$INSTDIR\reception-cli.exe" --self-test"' "$INSTDIR\reception.ico"

  WriteRegStr HKLM "Software\${APPNAME}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\reception.ico"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  WriteUninstaller "$INSTDIR\uninstall.exe"
SectionEnd

Section "Uninstall"
  SetShellVarContext all
  ; The program only: the data folder (%ProgramData%\Reception, with the database and its backups)
  ; is kept, so a reinstall or a new version finds the club's data where it was.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\reception.exe"
  Delete "$INSTDIR\reception-cli.exe"
  Delete "$INSTDIR\reception.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  RMDir /r "$SMPROGRAMS\${APPNAME}"
  DeleteRegKey HKLM "${UNINSTKEY}"
  DeleteRegKey HKLM "Software\${APPNAME}"
SectionEnd
