Attribute VB_Name = "Buttons"
' The buttons of sheet DieuKhien (tdkt). Each Sub is a single RunPython line and holds no logic:
' the work is done in Python (package addin.excel), so this module never changes when the
' program does. VBA source cannot hold Vietnamese text, so messages are built with ChrW.
Option Explicit

Public Sub CheckSubmissions()
    RunPython "import addin.excel as tdkt; tdkt.check_submissions()"
End Sub

Public Sub MergeSubmissions()
    RunPython "import addin.excel as tdkt; tdkt.merge_submissions()"
End Sub

Public Sub SendFeedback()
    RunPython "import addin.excel as tdkt; tdkt.send_feedback()"
End Sub

Public Sub SubmissionStatus()
    RunPython "import addin.excel as tdkt; tdkt.submission_status()"
End Sub

Public Sub RemindUnits()
    RunPython "import addin.excel as tdkt; tdkt.remind_units()"
End Sub

Public Sub ImportRegistrations()
    RunPython "import addin.excel as tdkt; tdkt.import_registrations()"
End Sub

Public Sub MakeTally()
    RunPython "import addin.excel as tdkt; tdkt.make_tally()"
End Sub

Public Sub ChooseDelegates()
    RunPython "import addin.excel as tdkt; tdkt.choose_delegates()"
End Sub

Public Sub RecordResults()
    RunPython "import addin.excel as tdkt; tdkt.record_results()"
End Sub

Public Sub ExportPdf()
    RunPython "import addin.excel as tdkt; tdkt.export_pdf()"
End Sub

' RunPython is xlwings' own macro and is not copied into this repository. It is found when a button
' is clicked: in the xlwings add-in (installed with "xlwings addin install"), or in a module
' "xlwings" that "tdkt setup-excel" copies into the clerk's workbook from the installed xlwings.
' Calling it through Application.Run needs no VBA reference, so the workbook opens and compiles on a
' PC without xlwings, and a click then says what to install instead of a compile error.
Private Sub RunPython(ByVal command As String)
    Dim addin As Workbook
    If Not PythonReady() Then Exit Sub
    On Error Resume Next
    Set addin = Workbooks("xlwings.xlam")
    On Error GoTo NotInstalled
    If Not addin Is Nothing Then
        Application.Run "'xlwings.xlam'!RunPython", command
    Else
        Application.Run "'" & ThisWorkbook.Name & "'!xlwings.RunPython", command
    End If
    Exit Sub
NotInstalled:
    MsgBox MSG_NO_XLWINGS & vbCrLf & "(" & Err.Description & ")", vbExclamation, "tdkt"
End Sub

' Before xlwings starts Python (Windows): when the interpreter that "tdkt setup-excel" wrote into the
' sheet xlwings.conf is gone, or cannot import tdkt and xlwings, say the one thing to run instead of
' showing xlwings' error. When the check itself cannot run (no interpreter written, scripting
' blocked by policy), xlwings is left to try and report.
Private Function PythonReady() As Boolean
    Dim exe As String, r As Long, exists As Boolean, status As Long
    PythonReady = True
    #If Mac Then
        Exit Function
    #End If
    On Error Resume Next
    For r = 1 To 20
        If CStr(ThisWorkbook.Worksheets("xlwings.conf").Cells(r, 1).Value) = "Interpreter_Win" Then
            exe = Trim$(CStr(ThisWorkbook.Worksheets("xlwings.conf").Cells(r, 2).Value))
            Exit For
        End If
    Next r
    If exe = "" Then Exit Function
    exists = True
    exists = CreateObject("Scripting.FileSystemObject").FileExists(exe)
    If Not exists Then
        PythonReady = False
        MsgBox MSG_NO_PYTHON_1 & exe & MSG_NO_PYTHON_2, vbExclamation, "tdkt"
        Exit Function
    End If
    status = -1
    status = CreateObject("WScript.Shell").Run("""" & exe & """ -c ""import addin.excel, xlwings""", 0, True)
    If status > 0 Then
        PythonReady = False
        MsgBox MSG_NO_TDKT_1 & exe & MSG_NO_TDKT_2, vbExclamation, "tdkt"
    End If
End Function

' What a click says when Python or tdkt cannot be found (ChrW: VBA source is not Unicode).
Private Function MSG_NO_XLWINGS() As String
    MSG_NO_XLWINGS = "Ch" & ChrW(432) & "a ch" & ChrW(7841) & "y " & ChrW(273) & ChrW(432) & ChrW(7907) & "c Python: m" & ChrW(225) & "y n" & ChrW(224) & "y ch" & ChrW(432) & "a c" & ChrW(224) & "i xlwings. H" & ChrW(227) & "y ch" & ChrW(7841) & "y t" & ChrW(7879) & "p cai-dat.bat trong b" & ChrW(7897) & " c" & ChrW(224) & "i tdkt (ho" & ChrW(7863) & "c l" & ChrW(7879) & "nh: tdkt setup-excel), xem m" & ChrW(7909) & "c " & ChrW(34) & "C" & ChrW(224) & "i " & ChrW(273) & ChrW(7863) & "t" & ChrW(34) & " trong t" & ChrW(224) & "i li" & ChrW(7879) & "u h" & ChrW(432) & ChrW(7899) & "ng d" & ChrW(7851) & "n."
End Function

Private Function MSG_NO_PYTHON_1() As String
    MSG_NO_PYTHON_1 = "Kh" & ChrW(244) & "ng t" & ChrW(236) & "m th" & ChrW(7845) & "y Python " & ChrW(7903) & " "
End Function

Private Function MSG_NO_PYTHON_2() As String
    MSG_NO_PYTHON_2 = ". H" & ChrW(227) & "y ch" & ChrW(7841) & "y l" & ChrW(7841) & "i t" & ChrW(7879) & "p cai-dat.bat trong b" & ChrW(7897) & " c" & ChrW(224) & "i tdkt."
End Function

Private Function MSG_NO_TDKT_1() As String
    MSG_NO_TDKT_1 = "Python " & ChrW(7903) & " "
End Function

Private Function MSG_NO_TDKT_2() As String
    MSG_NO_TDKT_2 = " ch" & ChrW(432) & "a c" & ChrW(243) & " ch" & ChrW(432) & ChrW(417) & "ng tr" & ChrW(236) & "nh tdkt ho" & ChrW(7863) & "c xlwings. H" & ChrW(227) & "y ch" & ChrW(7841) & "y l" & ChrW(7841) & "i t" & ChrW(7879) & "p cai-dat.bat trong b" & ChrW(7897) & " c" & ChrW(224) & "i tdkt."
End Function
