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

' RunPython is xlwings' own macro and is not copied into this workbook. It is found when a button
' is clicked: in the xlwings add-in (installed with "xlwings addin install"), or in a module
' "xlwings" imported into this workbook (the standalone setup of "xlwings quickstart --standalone").
' Calling it through Application.Run needs no VBA reference, so the workbook opens and compiles on a
' PC without xlwings, and a click then says what to install instead of a compile error.
Private Sub RunPython(ByVal command As String)
    Dim addin As Workbook
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
    MsgBox "Ch" & ChrW(432) & "a ch" & ChrW(7841) & "y " & ChrW(273) & ChrW(432) & ChrW(7907) & "c Python: m" & ChrW(225) & "y n" & ChrW(224) & "y ch" & ChrW(432) & "a c" & ChrW(224) & "i xlwings. H" & ChrW(227) & "y l" & ChrW(224) & "m theo m" & ChrW(7909) & "c " & ChrW(34) & "C" & ChrW(224) & "i " & ChrW(273) & ChrW(7863) & "t" & ChrW(34) & " trong t" & ChrW(224) & "i li" & ChrW(7879) & "u h" & ChrW(432) & ChrW(7899) & "ng d" & ChrW(7851) & "n (docs/huong-dan-su-dung.md)." & vbCrLf & "(" & Err.Description & ")", vbExclamation, "tdkt"
End Sub
