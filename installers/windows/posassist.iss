; Inno Setup script for posassist on Windows (Inno Setup 6).
;
; Built by installers\build on Windows after the PyInstaller bundle passed its smoke test:
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\dist\posassist posassist.iss
; (installers\build passes both; AppVersion comes from the package metadata).
;
; The AppId below is fixed for ever: it is how Windows knows a new version is an upgrade of
; the installed one and not a second program. Never change it.
;
; The store and settings live in each user's %LOCALAPPDATA%\posassist (platformdirs), not in
; the program folder, so an upgrade or an uninstall never touches them. The uninstaller
; deletes them only when IT asks: "unins000.exe /PURGEDATA=yes" (silent uninstalls included).

#ifndef AppVersion
  #error Pass /DAppVersion=X.Y.Z (installers\build does)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\posassist"
#endif

[Setup]
AppId={{2632FFD2-4B4D-4800-997B-40030EB3360A}
AppName=posassist
AppVersion={#AppVersion}
AppVerName=posassist {#AppVersion}
AppPublisher=posassist
DefaultDirName={autopf}\posassist
DefaultGroupName=posassist
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=posassist-{#AppVersion}-windows-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
ChangesEnvironment=yes
UninstallDisplayIcon={app}\posassist.exe
CloseApplications=yes

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\posassist"; Filename: "{app}\posassist.exe"
Name: "{group}\posassist doctor (store IT)"; Filename: "{cmd}"; Parameters: "/k ""{app}\posassist-cli.exe"" doctor"

[Registry]
; posassist-cli on the system PATH for IT (doctor, backup, restore, import ...).
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; \
    ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; \
    Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\posassist.exe"; Description: "Start posassist"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_LOCAL_MACHINE,
    'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

procedure RemoveFromPath(Dir: string);
var
  Path: string;
  P: Integer;
begin
  if not RegQueryStringValue(HKEY_LOCAL_MACHINE,
    'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Path) then
    exit;
  P := Pos(';' + Uppercase(Dir), Uppercase(Path));
  if P > 0 then
  begin
    Delete(Path, P, Length(Dir) + 1);
    RegWriteExpandStringValue(HKEY_LOCAL_MACHINE,
      'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Path);
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
  begin
    RemoveFromPath(ExpandConstant('{app}'));
    { The shop's customer history stays unless IT asked for it to go. }
    if ExpandConstant('{param:PURGEDATA|no}') <> 'no' then
      DelTree(ExpandConstant('{localappdata}\posassist'), True, True, True);
  end;
end;
