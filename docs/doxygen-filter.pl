#!/usr/bin/perl
# doxygen-filter.pl FILE: Doxygen's INPUT_FILTER for tocsin's headers and Markdown pages.
#
# The public headers carry gi-docgen style comments ("/** name: @param: text Returns: (transfer
# full): text */") and plain "/* */" comments on constants and fields. Doxygen would print the
# "name:" line as the brief description, warn about every "@param:" and about XML element names
# such as <channel> taken for HTML, and ignore the plain comments. This filter rewrites them into
# Doxygen's syntax on the fly; the headers themselves stay as they are.
#
# Every output line corresponds to the input line of the same number, so Doxygen's warnings and
# source links keep pointing at the right lines.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
use strict;
use warnings;

my $file = $ARGV[0] // die "usage: $0 FILE\n";
open (my $in, '<', $file) or die "$0: cannot read $file: $!\n";
my @lines = <$in>;
close ($in);

if ($file =~ /\.md$/) {
  print STDOUT markdown_line ($_) for @lines;
  exit 0;
}

# HTML tags Doxygen understands and this filter itself emits; any other <word> is escaped.
my %html = map { $_ => 1 } qw (b em tt code p br ul li ol);

# Escapes <element> and <element attr="..."> that are XML of the config format, not HTML.
sub escape_tags {
  my ($text) = @_;
  $text =~ s{<(/?)([A-Za-z][\w.:-]*)([^<>]*)>}{
    $html{lc $2} && $3 eq '' ? "<$1$2>" : "\\<$1$2$3\\>"
  }ge;
  return $text;
}

# Rewrites the running text of a doc comment.
sub prose {
  my ($text) = @_;
  $text = escape_tags ($text);
  # "e.g. " would end the brief description (JAVADOC_AUTOBRIEF): a backslash and a space keep
  # the sentence going.
  $text =~ s/\b(e\.g|i\.e|etc|vs)\. /$1.\\ /g;
  # A "/" written as &#47; (so that "***/" cannot end the C comment): an element that keeps the
  # two characters apart in the output too.
  $text =~ s{&#47;}{<span>/</span>}g;
  # Doxygen would print "--" as an en dash: "--config" must stay an option.
  $text =~ s{--}{\\-\\-}g;
  # %NULL, %TRUE, %TOCSIN_ERROR_... (gi-docgen constants): plain words, so Doxygen links the
  # TOCSIN_ ones.
  $text =~ s/%([A-Z][A-Z0-9_]*)/$1/g;
  # #TocsinType: a plain word, which Doxygen links to the type.
  $text =~ s/(?<![\w&])#([A-Z]\w+)/$1/g;
  # @param inside a sentence: the parameter's name in the parameter style.
  $text =~ s/(?<![\w\\])@([a-z_]\w*)/<em>$1<\/em>/g;
  # Annotations: (transfer full), (nullable), (out) (optional) ...
  $text =~ s/^((?:\s*\((?:transfer \w+|nullable|not nullable|out|inout|optional|element-type [\w ]+)\))+):?/<tt>$1<\/tt>/;
  return $text;
}

# One line inside a /** comment. $state->{first}: no text seen yet in this comment (its first
# words are the gi-docgen "name:"); $state->{type}: the comment documents a type, whose "@field:"
# lines describe fields, not parameters.
sub doc_line {
  my ($line, $state) = @_;
  chomp $line;
  my ($lead, $body) = $line =~ m{^(\s*/\*\*[ \t]?|\s*\*(?!/)[ \t]?|\s*)(.*?)\s*$};
  my $close = '';
  if ($body =~ s{\s*\*/$}{}) {
    $close = ' */';
  }
  if ($state->{first} && $body ne '') {
    $state->{first} = 0;
    if ($body =~ s/^([A-Za-z_]\w*):(\s+|$)//) {
      $state->{type} = $1 =~ /^[A-Z][a-z]/;
    }
  }
  if ($body =~ /^\@(\w+):\s*(.*)$/) {
    my ($name, $rest) = ($1, $2);
    $body = $state->{type} ? "- <tt>$name</tt>: " . prose ($rest)
                           : "\@param $name " . prose ($rest);
  } elsif ($body =~ /^Returns:\s*(.*)$/) {
    $body = '@return ' . prose ($1);
  } elsif ($body =~ /^(.*?)\s*\bReturns:\s*(.*)$/) {
    # "text Returns: more" inside a one-line comment.
    $body = prose ($1) . ' @return ' . prose ($2);
  } else {
    $body = prose ($body);
  }
  return "$lead$body$close\n";
}

# The file's opening comment "/* tocsin-x.h: what it is." becomes the file's documentation.
sub file_comment_line {
  my ($line, $first) = @_;
  # The license line is for tools, not readers (keeping a "*/" that may end it).
  $line =~ s{SPDX-License-Identifier:.*?(\*/|$)}{$1};
  if ($first && $line =~ m{^/\*\s+([\w.-]+\.h(?:\.in)?):\s*(.*)$}) {
    my ($name, $rest) = ($1, $2);
    $name =~ s/\.in$//;
    return "/** \@file $name \@brief " . prose ($rest) . "\n";
  }
  return prose ($line);
}

my $in_doc = 0;       # inside a /** comment
my %doc_state;
my $in_file_comment = 0;
my $seen_code = 0;    # past the file's opening comment
my @out;

for (my $i = 0; $i < @lines; $i++) {
  my $line = $lines[$i];

  if ($in_file_comment) {
    push @out, file_comment_line ($line, 0);
    $in_file_comment = 0 if $line =~ m{\*/};
    next;
  }
  if (!$seen_code && $line =~ m{^/\*[^*]}) {
    $seen_code = 1;
    $in_file_comment = $line !~ m{\*/};
    push @out, file_comment_line ($line, 1);
    next;
  }
  $seen_code = 1 if $line =~ /\S/;

  if ($in_doc) {
    push @out, doc_line ($line, \%doc_state);
    $in_doc = 0 if $line =~ m{\*/};
    next;
  }
  if ($line =~ m{^\s*/\*\*(?!<)}) {
    %doc_state = (first => 1, type => 0);
    push @out, doc_line ($line, \%doc_state);
    $in_doc = $line !~ m{\*/};
    next;
  }
  # A trailing "/* text */" after a field, an enum value or a #define documents it.
  if ($line =~ m{^(\s*\S.*?[;,]|\s*#\s*define\s+\w+\b.*?|\s*[A-Z_0-9]+\s*(?:=\s*[^,]*)?,?)\s*/\*\s*(.*?)\s*\*/\s*$}
      && $line !~ m{^\s*/\*}) {
    my ($code, $text) = ($1, $2);
    push @out, "$code /**< " . prose ($text) . " */\n";
    next;
  }
  # A plain comment right before a #define or typedef documents it: turn "/*" into "/**".
  if ($line =~ m{^(\s*)/\*(?![*!])(.*)$}) {
    my $j = $i;
    $j++ while $j < @lines && $lines[$j] !~ m{\*/};
    my $next = $j + 1 < @lines ? $lines[$j + 1] : '';
    if ($next =~ /^\s*(#\s*define|typedef)\b/) {
      my %state = (first => 0, type => 0);
      for my $k ($i .. $j) {
        my $l = $lines[$k];
        $l =~ s{^(\s*)/\*}{$1/**} if $k == $i;
        push @out, doc_line ($l, \%state);
      }
      $i = $j;
      next;
    }
  }
  push @out, $line;
}
print @out;

# Markdown pages: GitHub and Doxygen name a heading's anchor differently; give each heading the
# anchor GitHub would, so that links such as (#the-abi-rules) work in both.
sub markdown_line {
  my ($line) = @_;
  state_fence ($line);
  return $line if $main::in_fence;
  # Doxygen reads `text' as a quotation, so a code span on a line with an apostrophe may run on
  # to the next backtick; double-backtick spans are not subject to that rule.
  $line =~ s/(?<!`)`([^`\n]+)`(?!`)/``$1``/g if $line =~ /'/;
  return $line if $line !~ /^(#{2,6})\s+(.*?)\s*$/;
  my ($hashes, $title) = ($1, $2);
  my $slug = lc $title;
  $slug =~ s/[^\w\- ]//g;
  $slug =~ s/ /-/g;
  return "$hashes $title {#$slug}\n";
}

sub state_fence {
  my ($line) = @_;
  $main::in_fence = !$main::in_fence if $line =~ /^\s*```/;
}
