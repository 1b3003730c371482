# Resource object code (Python 3)
# Created by: object code
# Created by: The Resource Compiler for Qt version 6.12.0
# WARNING! All changes made in this file will be lost!

from PySide6 import QtCore

qt_resource_data = b"\
\x00\x00\x01\xc0\
<\
svg xmlns=\x22http:\
//www.w3.org/200\
0/svg\x22 viewBox=\x22\
0 0 64 64\x22>\x0a  <r\
ect x=\x224\x22 y=\x2210\x22\
 width=\x2256\x22 heig\
ht=\x2240\x22 rx=\x226\x22 f\
ill=\x22#0a58ca\x22/>\x0a\
  <rect x=\x2210\x22 y\
=\x2216\x22 width=\x2244\x22\
 height=\x2222\x22 rx=\
\x223\x22 fill=\x22#fffff\
f\x22/>\x0a  <circle c\
x=\x2224\x22 cy=\x2227\x22 r\
=\x226\x22 fill=\x22#0a58\
ca\x22/>\x0a  <rect x=\
\x2234\x22 y=\x2222\x22 widt\
h=\x2216\x22 height=\x224\
\x22 rx=\x222\x22 fill=\x22#\
0a58ca\x22/>\x0a  <rec\
t x=\x2234\x22 y=\x2229\x22 \
width=\x2212\x22 heigh\
t=\x224\x22 rx=\x222\x22 fil\
l=\x22#6ea8fe\x22/>\x0a  \
<rect x=\x2220\x22 y=\x22\
50\x22 width=\x2224\x22 h\
eight=\x226\x22 fill=\x22\
#333\x22/>\x0a</svg>\x0a\
\x00\x00\x08\xe3\
/\
* Register theme\
: large type, hi\
gh contrast, rea\
dable at arm's l\
ength. */\x0aQWidge\
t { font-size: 1\
7px; color: #111\
; background: #f\
7f7f5; }\x0aQMainWi\
ndow, QDialog { \
background: #f7f\
7f5; }\x0aQLineEdit\
, QPlainTextEdit\
, QSpinBox, QDou\
bleSpinBox, QCom\
boBox {\x0a  backgr\
ound: #ffffff; b\
order: 2px solid\
 #555; border-ra\
dius: 6px; paddi\
ng: 6px; }\x0aQLine\
Edit:focus, QPla\
inTextEdit:focus\
 { border: 3px s\
olid #0a58ca; }\x0a\
QLineEdit#search\
 { font-size: 26\
px; padding: 10p\
x; }\x0aQListView, \
QTableView { bac\
kground: #ffffff\
; border: 1px so\
lid #888; altern\
ate-background-c\
olor: #eef1f5;\x0a \
 selection-backg\
round-color: #0a\
58ca; selection-\
color: #ffffff; \
}\x0aQListView::ite\
m { padding: 8px\
; }\x0aQHeaderView:\
:section { backg\
round: #dde2e8; \
font-weight: bol\
d; padding: 6px;\
 border: 0; }\x0aQP\
ushButton { back\
ground: #ffffff;\
 border: 2px sol\
id #333; border-\
radius: 6px; pad\
ding: 10px 14px;\
\x0a  font-weight: \
bold; }\x0aQPushBut\
ton:hover { back\
ground: #e8eefc;\
 }\x0aQPushButton:f\
ocus { border: 3\
px solid #0a58ca\
; }\x0aQPushButton:\
disabled { color\
: #888; border-c\
olor: #bbb; }\x0aQP\
ushButton#primar\
y { background: \
#0a58ca; color: \
#ffffff; border-\
color: #0a58ca; \
}\x0aQLabel#custome\
rName { font-siz\
e: 30px; font-we\
ight: bold; }\x0aQL\
abel#greeting { \
font-size: 19px;\
 color: #0b6b2e;\
 font-weight: bo\
ld; }\x0aQLabel#con\
tact { color: #3\
33; }\x0aQFrame#til\
e { background: \
#ffffff; border:\
 1px solid #999;\
 border-radius: \
8px; }\x0aQLabel#ti\
leValue { font-s\
ize: 24px; font-\
weight: bold; ba\
ckground: transp\
arent; }\x0aQLabel#\
tileCaption { fo\
nt-size: 14px; c\
olor: #333; back\
ground: transpar\
ent; }\x0aQLabel#em\
ptyHint { font-s\
ize: 20px; color\
: #444; }\x0aQLabel\
#badge { font-si\
ze: 18px; font-w\
eight: bold; pad\
ding: 6px 12px; \
border-radius: 1\
4px;\x0a  backgroun\
d: #444; color: \
#fff; }\x0aQLabel#b\
adge[tier=\x22regul\
ar\x22] { backgroun\
d: #0b6b2e; }\x0aQL\
abel#badge[tier=\
\x22lapsing\x22] { bac\
kground: #b35900\
; }\x0aQLabel#badge\
[tier=\x22new\x22] { b\
ackground: #0a58\
ca; }\x0aQLabel#bad\
ge[tier=\x22ambassa\
dor\x22] { backgrou\
nd: #7a1fa2; }\x0aQ\
Label#reasons { \
font-size: 16px;\
 color: #222; }\x0a\
QLabel#method { \
font-size: 13px;\
 color: #555; }\x0a\
QLabel#error { c\
olor: #a00000; f\
ont-weight: bold\
; }\x0aQStatusBar {\
 background: #22\
2; color: #fff; \
font-size: 15px;\
 }\x0aQStatusBar QL\
abel { backgroun\
d: transparent; \
color: #fff; pad\
ding: 0 10px; }\x0a\
QLabel#dialogHea\
ding { font-size\
: 20px; font-wei\
ght: bold; paddi\
ng-bottom: 6px; \
}\x0a\
"

qt_resource_name = b"\
\x00\x09\
\x09\x8a\x8ed\
\x00p\
\x00o\x00s\x00a\x00s\x00s\x00i\x00s\x00t\
\x00\x0d\
\x0etO\xc7\
\x00p\
\x00o\x00s\x00a\x00s\x00s\x00i\x00s\x00t\x00.\x00s\x00v\x00g\
\x00\x0c\
\x05\xd2\x99\xe3\
\x00r\
\x00e\x00g\x00i\x00s\x00t\x00e\x00r\x00.\x00q\x00s\x00s\
"

qt_resource_struct = b"\
\x00\x00\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x01\
\x00\x00\x00\x00\x00\x00\x00\x00\
\x00\x00\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\
\x00\x00\x00\x00\x00\x00\x00\x00\
\x00\x00\x008\x00\x00\x00\x00\x00\x01\x00\x00\x01\xc4\
\x00\x00\x01\xa23\xec\x9a\xd0\
\x00\x00\x00\x18\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\
\x00\x00\x01\xa23\xe7\xa3\x07\
"

def qInitResources():
    QtCore.qRegisterResourceData(0x03, qt_resource_struct, qt_resource_name, qt_resource_data)

def qCleanupResources():
    QtCore.qUnregisterResourceData(0x03, qt_resource_struct, qt_resource_name, qt_resource_data)

qInitResources()
