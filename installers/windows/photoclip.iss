; Inno Setup script: photoclip for Windows (per-user install, Start-menu entry, uninstaller).
; Built by .github/workflows/release.yml from the PyInstaller folder build\dist\photoclip:
;   iscc /DAppVersion=0.1.0 installers\windows\photoclip.iss
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6F3C2D1E-9B7A-4C55-8E2F-1D0A6B3C9E71}
AppName=photoclip
AppVersion={#AppVersion}
AppPublisher=The photoclip developers
AppPublisherURL=https://github.com/photoclip/photoclip
DefaultDirName={autopf}\photoclip
DefaultGroupName=photoclip
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\build
OutputBaseFilename=photoclip-{#AppVersion}-windows-x64-setup
SetupIconFile=photoclip.ico
UninstallDisplayIcon={app}\photoclip-gui.exe
LicenseFile=..\..\LICENSE
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "..\..\build\dist\photoclip\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\photoclip"; Filename: "{app}\photoclip-gui.exe"; AppUserModelID: "io.github.photoclip.Photoclip"
Name: "{autodesktop}\photoclip"; Filename: "{app}\photoclip-gui.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Run]
Filename: "{app}\photoclip-gui.exe"; Description: "{cm:LaunchProgram,photoclip}"; Flags: nowait postinstall skipifsilent
